"""Access helpers and generic views shared by every app; views stay thin adapters over services."""

from __future__ import annotations

import hashlib
import tempfile
import time
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import ListView

from accord.core import services
from accord.core.models import program_model
from accord.core.permissions import Action, can, can_in_program


def get_visible_or_404(
    user: Any, source: type[models.Model] | models.QuerySet, action: str = Action.VIEW, **lookup: Any
) -> Any:
    """The one way a view gets a single record: 404 when the person may not see it, 403 when they may
    see it but not perform `action` on it."""
    queryset = source if isinstance(source, models.QuerySet) else source.objects.all()
    obj = queryset.visible_to(user).filter(**lookup).first()
    if obj is None:
        raise Http404("No such record, or it is not shared with you.")
    if action != Action.VIEW and not can(user, action, obj):
        raise PermissionDenied("You can see this record but not change it.")
    return obj


def get_program_or_404(user: Any, program_id: int) -> Any:
    return get_visible_or_404(user, program_model().objects.select_related("sponsor"), pk=program_id)


def require_program_permission(user: Any, program: Any, action: str, area: str) -> None:
    if not can_in_program(user, action, area, program.pk):
        raise PermissionDenied(f"Your role in {program} does not allow this.")


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render a full page, or just its partial when htmx asks for a fragment."""
    if partial and getattr(request, "htmx", False) and not request.htmx.boosted:
        return render(request, partial, context, status=status)
    return render(request, template, context, status=status)


class FilteredListMixin:
    """A list page narrowed by its app's FilterSet (the one its API uses), with one rule for a bad value.

    A value the FilterSet rejects (`?status=pending` where no status is called that) must not quietly show
    the default list: the page answers 400 with no rows, as the API does, and still renders its filter form
    with the error (`core/_filter_errors.html`) so the person can correct the value.
    """

    filter_status: int = 200

    def filtered(self, filterset: Any) -> models.QuerySet:
        """The rows `filterset` selects, or none (and a 400 for the page) when a value is invalid."""
        if filterset.is_bound and not filterset.is_valid():
            self.filter_status = 400
            return filterset.queryset.none()
        return filterset.qs

    def render_to_response(self, context: dict[str, Any], **response_kwargs: Any) -> HttpResponse:
        response_kwargs.setdefault("status", self.filter_status)
        return super().render_to_response(context, **response_kwargs)  # type: ignore[misc]


class ProgramViewMixin(LoginRequiredMixin):
    """Resolves `program_id` from the URL to a program the person belongs to (404 otherwise)."""

    area: str = "program"
    action: str = Action.VIEW
    raise_exception = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.program = get_program_or_404(request.user, kwargs["program_id"])
        request.program = self.program
        if not can_in_program(request.user, self.action, self.area, self.program.pk):
            if self.action == Action.VIEW:
                raise Http404("This part of the program is not shared with you.")
            raise PermissionDenied(f"Your role in {self.program} does not allow this.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["program"] = self.program
        return context


class ProgramRecordListView(ProgramViewMixin, ListView):
    """A paginated list of one program's visible records of a model."""

    model: type[models.Model]
    paginate_by = 50
    select_related: tuple[str, ...] = ()

    def get_queryset(self) -> models.QuerySet:
        qs = self.model.objects.visible_to(self.request.user).filter(program=self.program)
        return qs.select_related(*self.select_related) if self.select_related else qs


class ProgramRecordFormView(ProgramViewMixin, View):
    """Create (no `pk`) or edit one program-scoped record through the audited generic services."""

    model: type[models.Model]
    form_class: Any
    template_name = "core/record_form.html"
    success_url_name: str = ""

    def get_object(self) -> models.Model | None:
        pk = self.kwargs.get("pk")
        if pk is None:
            return None
        return get_visible_or_404(
            self.request.user, self.model.objects.filter(program=self.program), Action.CHANGE, pk=pk
        )

    def form_kwargs(self) -> dict[str, Any]:
        return {"program": self.program, "user": self.request.user}

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        if obj is None:
            require_program_permission(request.user, self.program, Action.ADD, self.model.access_area)
        form = self.form_class(instance=obj, **self.form_kwargs())
        return self.render_form(form, obj)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        obj = self.get_object()
        if obj is None:
            require_program_permission(request.user, self.program, Action.ADD, self.model.access_area)
        form = self.form_class(request.POST, request.FILES, instance=obj, **self.form_kwargs())
        if form.is_valid():
            data = {**form.cleaned_data, "program": self.program}
            data = {k: v for k, v in data.items() if k in {f.name for f in self.model._meta.get_fields()}}
            try:
                if obj is None:
                    obj = self.create_object(data)
                    messages.success(request, f"{self.model._meta.verbose_name.capitalize()} created.")
                else:
                    obj = self.update_object(obj, data)
                    messages.success(request, f"{self.model._meta.verbose_name.capitalize()} saved.")
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return HttpResponseRedirect(self.success_url(obj))
        return self.render_form(form, obj, status=400)

    # A model whose writes have a service of their own overrides these, so the page writes through it.
    def create_object(self, data: dict[str, Any]) -> models.Model:
        return services.create_record(model=self.model, actor=self.request.user, data=data)

    def update_object(self, obj: models.Model, data: dict[str, Any]) -> models.Model:
        return services.update_record(instance=obj, actor=self.request.user, data=data)

    def success_url(self, obj: models.Model) -> str:
        if hasattr(obj, "get_absolute_url"):
            return obj.get_absolute_url()
        return reverse(self.success_url_name, kwargs={"program_id": self.program.pk})

    def render_form(self, form: Any, obj: models.Model | None, status: int = 200) -> HttpResponse:
        context = {
            "program": self.program,
            "form": form,
            "object": obj,
            "model_name": self.model._meta.verbose_name,
            "cancel_url": self.success_url(obj)
            if obj is not None
            else reverse(self.success_url_name, kwargs={"program_id": self.program.pk}),
        }
        return render(self.request, self.template_name, context, status=status)


class PreviewedUploads:
    """Where a file someone previewed waits for their confirmation, and what their session remembers of it.

    The file is kept on disk under its SHA-256 and the session remembers which hash this person
    previewed for this program, so the confirmation applies exactly the previewed bytes and never
    trusts rows posted again. Previews nobody confirmed are removed after `keep_hours`.
    """

    keep_hours = 24

    def __init__(self, name: str) -> None:
        self.name = name  # one folder and one session key per kind of import
        self.session_key = f"{name}_import"

    def folder(self) -> Path:
        folder = Path(tempfile.gettempdir()) / f"accord-{self.name}-imports"
        folder.mkdir(mode=0o700, exist_ok=True)
        return folder

    def keep(
        self, request: HttpRequest, program: Any, *, filename: str, content: bytes, **options: Any
    ) -> str:
        """Keep a previewed file for this person and program; returns the digest the confirm form posts."""
        digest = hashlib.sha256(content).hexdigest()
        folder = self.folder()
        self._remove_stale(folder)
        (folder / digest).write_bytes(content)
        pending = request.session.get(self.session_key, {})
        pending[str(program.pk)] = {"hash": digest, "filename": filename, **options}
        request.session[self.session_key] = pending
        return digest

    def take(self, request: HttpRequest, program: Any, digest: str) -> tuple[dict[str, Any], bytes]:
        """What this person previewed for this program under `digest`, and its bytes; a ValidationError
        saying what to do when the preview is not theirs, has gone, or changed on disk."""
        pending = request.session.get(self.session_key, {}).get(str(program.pk))
        path = self.folder() / digest if len(digest) == 64 and digest.isalnum() else None
        if not pending or pending["hash"] != digest or path is None or not path.exists():
            raise ValidationError("That preview has expired or was not yours: upload the file again.")
        content = path.read_bytes()
        if hashlib.sha256(content).hexdigest() != digest:
            raise ValidationError("The previewed file changed on the server: upload it again.")
        return pending, content

    def forget(self, request: HttpRequest, program: Any, digest: str) -> None:
        (self.folder() / digest).unlink(missing_ok=True)
        pending = request.session.get(self.session_key, {})
        request.session[self.session_key] = {k: v for k, v in pending.items() if k != str(program.pk)}

    def _remove_stale(self, folder: Path) -> None:
        oldest = time.time() - self.keep_hours * 3600
        for path in folder.iterdir():
            try:
                if path.stat().st_mtime < oldest:
                    path.unlink()
            except FileNotFoundError:  # another worker removed it first
                continue


class PreviewedImportView(ProgramViewMixin, View):
    """Step 1 of an import: upload and preview, nothing saved. `PreviewedImportConfirmView` is step 2.

    Subclasses name the form, the template, the `uploads` store and `preview(form, filename, content)`,
    which returns a result with `ok`; `kept_options(form)` lists the form's choices step 2 needs again.
    """

    action = Action.ADD
    form_class: Any
    template_name: str
    uploads: PreviewedUploads

    def preview(self, *, form: Any, filename: str, content: bytes) -> Any:
        raise NotImplementedError

    def kept_options(self, form: Any) -> dict[str, Any]:
        return {}

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.render(self.form_class(), None)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = self.form_class(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(form, None, status=400)
        # The form has refused a file over its ceiling, so what is read and parsed here is bounded.
        upload = form.cleaned_data["file"]
        content = upload.read()
        preview = self.preview(form=form, filename=upload.name, content=content)
        if not preview.ok:
            return self.render(form, preview, status=400)
        digest = self.uploads.keep(
            request, self.program, filename=upload.name, content=content, **self.kept_options(form)
        )
        return self.render(form, preview, digest=digest)

    def render(
        self, form: Any, preview: Any, *, digest: str | None = None, status: int = 200
    ) -> HttpResponse:
        context = {"program": self.program, "form": form, "preview": preview, "digest": digest}
        return render_page(self.request, self.template_name, context, status=status)


class PreviewedImportConfirmView(PreviewedImportView):
    """Step 2 of an import: apply exactly the file this person previewed, or show why not, saving nothing.

    Subclasses name `apply(pending, content)` (pending: what `keep` stored, with the filename and the
    kept options), the upload page's URL name and the URL name to go to once imported.
    """

    upload_url_name: str
    done_url_name: str
    http_method_names = ["post"]

    def apply(self, *, pending: dict[str, Any], content: bytes) -> Any:
        raise NotImplementedError

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        digest = request.POST.get("digest", "")
        try:
            pending, content = self.uploads.take(request, self.program, digest)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect(self.upload_url_name, program_id=self.program.pk)
        result = self.apply(pending=pending, content=content)
        if not result.ok:
            # What the preview checked has changed since (the records, or the person's rights): show the
            # new errors and save nothing.
            return self.render(self.form_class(), result, status=400)
        self.uploads.forget(request, self.program, digest)
        counts = result.counts()
        messages.success(
            request,
            f"Imported {pending['filename']}: {counts.get('created', 0)} created, "
            f"{counts.get('updated', 0)} updated, {counts.get('unchanged', 0)} unchanged.",
        )
        return redirect(self.done_url_name, program_id=self.program.pk)


def healthz(request: HttpRequest) -> JsonResponse:
    """200 after reading a real table; 503 when the database does not answer or is not Accord's.

    A SQLite file that has vanished is not recreated: sqlite would create an empty one on connect, and
    a connection still open on the deleted file would keep answering from it.
    """
    sqlite_file = connection.vendor == "sqlite" and not connection.is_in_memory_db()
    if sqlite_file and not Path(connection.settings_dict["NAME"]).is_file():
        connection.close()
        return JsonResponse({"status": "unavailable", "database": "missing"}, status=503)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM django_migrations LIMIT 1")
            migrated = cursor.fetchone() is not None
    except DatabaseError as error:
        return JsonResponse({"status": "unavailable", "database": str(error.__class__.__name__)}, status=503)
    except Exception as error:  # a refused socket is not always a DatabaseError
        return JsonResponse({"status": "unavailable", "database": error.__class__.__name__}, status=503)
    if not migrated:
        return JsonResponse({"status": "unavailable", "database": "not migrated"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", {}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", {}, status=500)
