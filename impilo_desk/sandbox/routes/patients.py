"""Patients: list with the documented filters, get, create, update (each fires a webhook)."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from impilo_desk.contract import Page, Patient, PatientRequest
from impilo_desk.sandbox.common import (
    ASSUMED,
    INT64_MAX,
    Day,
    Id,
    PagingDep,
    SandboxDep,
    Text,
    json_response,
    not_found,
    page_response,
    path_id,
    require,
)
from impilo_desk.sandbox.delivery import enqueue
from impilo_desk.sandbox.errors import ApiProblem
from impilo_desk.sandbox.store import people
from impilo_desk.sandbox.store.people import PatientQuery

router = APIRouter(tags=["patients"])

PatientId = Annotated[int, path_id("patientId")]


def _request_dict(body: PatientRequest) -> dict[str, Any]:
    data = body.model_dump(exclude_none=False)
    if body.dateOfBirth is not None:
        try:
            date.fromisoformat(body.dateOfBirth)
        except ValueError:
            raise ApiProblem(400, "dateOfBirth is not a real date (YYYY-MM-DD).") from None
    address = data.get("address")
    if isinstance(address, dict):
        data["address"] = {k: v for k, v in address.items() if v is not None}
    return data


def _save(
    conn: sqlite3.Connection, patient_id: int | None, data: dict[str, Any]
) -> tuple[dict[str, Any], list[int]]:
    site_id = data.get("siteId")
    # beyond SQLite's 64-bit integers no site can exist (and the lookup would fail: a 500)
    if site_id is not None and not (
        -INT64_MAX <= site_id <= INT64_MAX and people.site_exists(conn, site_id)
    ):
        raise ApiProblem(400, f"Site {str(site_id)[:40]} does not exist.")
    if patient_id is None:
        patient_id = people.add_patient(conn, data)
        event = "patient.created"
    else:
        if not people.replace_patient(conn, patient_id, data):
            raise not_found("Patient", patient_id)
        event = "patient.updated"
    patient = people.get_patient(conn, patient_id)
    assert patient is not None  # written in this transaction
    _, log_ids = enqueue(conn, event, patient)
    return patient, log_ids


@router.get(
    "/patient",
    response_model=Page[Patient],
    summary="List patients",
    description="Filters as documented: id, siteId, externalIdentifier, email, name, archived, "
    "enrolled, dateOfBirthMin/Max, postalCode, country; sort by firstName, lastName or "
    "patientId. "
    + ASSUMED
    + "name matches any part of 'first last' (case-insensitive); email and country ignore "
    "case; dateOfBirth bounds are inclusive; the default order is by patientId.",
)
async def list_patients(
    sandbox: SandboxDep,
    paging: PagingDep,
    id: Annotated[Id | None, Query()] = None,
    site_id: Annotated[Id | None, Query(alias="siteId")] = None,
    external_identifier: Annotated[Text, Query(alias="externalIdentifier")] = None,
    email: Text = None,
    name: Text = None,
    archived: bool | None = None,
    enrolled: bool | None = None,
    dob_min: Annotated[Day | None, Query(alias="dateOfBirthMin")] = None,
    dob_max: Annotated[Day | None, Query(alias="dateOfBirthMax")] = None,
    postal_code: Annotated[Text, Query(alias="postalCode")] = None,
    country: Text = None,
    sort: Literal["firstName", "lastName", "patientId"] = "patientId",
    sort_descending: Annotated[bool, Query(alias="sortDescending")] = False,
) -> Response:
    """Lists patients."""
    query = PatientQuery(
        id=id,
        site_id=site_id,
        external_identifier=external_identifier,
        email=email,
        name=name,
        archived=archived,
        enrolled=enrolled,
        date_of_birth_min=None if dob_min is None else dob_min.isoformat(),
        date_of_birth_max=None if dob_max is None else dob_max.isoformat(),
        postal_code=postal_code,
        country=country,
        sort=sort,
        sort_descending=sort_descending,
    )
    return await page_response(sandbox, paging, people.patient_page, query)


@router.get(
    "/patient/{patientId}",
    response_model=Patient,
    summary="Get patient",
    description=ASSUMED + "the path; 404 when there is no such patient.",
)
async def get_patient(patient_id: PatientId, sandbox: SandboxDep) -> Response:
    """Fetches one patient."""
    patient = await sandbox.db.read(people.get_patient, patient_id)
    return json_response(require(patient, not_found("Patient", patient_id)))


@router.post(
    "/patient",
    response_model=Patient,
    summary="Create patient",
    description="Creates a patient and fires patient.created (documented). "
    + ASSUMED
    + "address is optional here although the docs require it; siteId must exist (else 400).",
)
async def create_patient(body: PatientRequest, sandbox: SandboxDep) -> Response:
    """Creates a patient."""
    patient, log_ids = await sandbox.db.write(_save, None, _request_dict(body))
    sandbox.deliveries.notify(log_ids)
    return json_response(patient)


@router.put(
    "/patient/{patientId}",
    response_model=Patient,
    summary="Update patient",
    description="Replaces the patient's fields and fires patient.updated (documented). "
    + ASSUMED
    + "fields left out become empty (archived false, enrolled true); 404 for an unknown id.",
)
async def update_patient(
    patient_id: PatientId, body: PatientRequest, sandbox: SandboxDep
) -> Response:
    """Replaces a patient."""
    patient, log_ids = await sandbox.db.write(_save, patient_id, _request_dict(body))
    sandbox.deliveries.notify(log_ids)
    return json_response(patient)
