"""API for people and organisations."""

from __future__ import annotations

from typing import Any

from accord.accounts import services
from accord.accounts.models import Organisation, User
from accord.core.api import AccordModelViewSet, ValidatedModelSerializer, VisibleRelatedField


class OrganisationSerializer(ValidatedModelSerializer):
    parent = VisibleRelatedField(queryset=Organisation.objects.all(), allow_null=True, default=None)

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "parent", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def update(self, instance: Organisation, validated_data: dict[str, Any]) -> Organisation:
        return services.update_organisation(
            organisation=instance, actor=self.context["request"].user, data=validated_data
        )


class OrganisationViewSet(AccordModelViewSet):
    queryset = Organisation.objects.all()
    serializer_class = OrganisationSerializer
    # Organisations are named in the history of every program they took part in; they are never deleted.
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_fields = ["kind", "parent"]
    select_related = ("parent",)


class PersonSerializer(ValidatedModelSerializer):
    clean_exclude = ("password",)
    organisation = VisibleRelatedField(queryset=Organisation.objects.all(), allow_null=True, required=False)

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "title", "organisation", "is_active"]
        read_only_fields = ["is_active"]

    def create(self, validated_data: dict[str, Any]) -> User:
        return services.create_person(actor=self.context["request"].user, **validated_data)

    def update(self, instance: User, validated_data: dict[str, Any]) -> User:
        return services.update_person(
            person=instance, actor=self.context["request"].user, data=validated_data
        )


class PersonViewSet(AccordModelViewSet):
    """People who share a program with you. People are deactivated, never deleted, to keep the record."""

    queryset = User.objects.all()
    serializer_class = PersonSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_fields = ["organisation"]
    select_related = ("organisation",)


ROUTES = [
    ("organisations", OrganisationViewSet, "organisation"),
    ("people", PersonViewSet, "person"),
]
