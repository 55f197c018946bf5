"""Find the resources of an import by the references other resources make to them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from dashboard.importers.fhir.files import Json, objects


class ResourceIndex:
    """The resources of one type in an import, found by reference.

    A resource is found by ``Type/id`` (also inside an absolute URL or with a
    ``/_history/n`` version), by the Bundle entry's ``fullUrl``
    (``urn:uuid:...``) or as ``#id`` among the referring resource's contained
    resources.
    """

    def __init__(self, resource_type: str) -> None:
        self.resource_type = resource_type
        self._by_key: dict[str, Json] = {}
        self._keys: dict[int, tuple[Json, list[str]]] = {}

    def add(self, resource: Json, full_url: str | None) -> None:
        """Make ``resource`` findable."""
        rid = resource.get("id")
        keys = [f"{self.resource_type}/{rid}"] if isinstance(rid, str) and rid else []
        keys += [full_url] if full_url else []
        self._keys[id(resource)] = (resource, keys)
        for key in keys:
            self._by_key[key] = resource

    def resolve(self, reference: str, referrer: Json) -> Json | None:
        """The resource ``reference`` (made by ``referrer``) points to, if it is in the import."""
        if reference.startswith("#"):
            return next(
                (
                    c
                    for c in objects(referrer.get("contained"))
                    if c.get("id") == reference[1:]
                    and c.get("resourceType") in (None, self.resource_type)
                ),
                None,
            )
        if reference in self._by_key:
            return self._by_key[reference]
        marker = f"{self.resource_type}/"
        if marker in reference:
            tail = reference.rsplit(marker, 1)[1].split("/_history/")[0]
            return self._by_key.get(f"{marker}{tail}")
        return None

    def resources(self) -> Iterator[tuple[Json, list[str]]]:
        """Every resource added, with the keys it is found by."""
        yield from self._keys.values()

    def keys_of(self, resource: Json) -> list[str]:
        """The keys ``resource`` is found by (none if it was not added)."""
        return self._keys.get(id(resource), (resource, []))[1]


def related_references(resource: Json, r4_field: str, stu3_type: str) -> Iterator[str]:
    """The references of R4 ``r4_field`` and of STU3 ``related`` entries of ``stu3_type``."""
    for target in objects(resource.get(r4_field)):
        if isinstance(target.get("reference"), str):
            yield target["reference"]
    for related in objects(resource.get("related")):
        if related.get("type") == stu3_type:
            reference = related.get("target")
            if isinstance(reference, Mapping) and isinstance(reference.get("reference"), str):
                yield reference["reference"]
