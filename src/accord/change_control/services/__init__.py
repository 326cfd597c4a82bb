"""Change-control writes, by topic: change requests and the CAB, the action plan, calendar feed tokens."""
