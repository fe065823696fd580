"""File a petition end to end: its files' bytes, then one transaction, then evaluation.

Pages and the public report form use this, so every petition takes the API's path: stored
first (nothing lost if evaluation fails: the retry job picks the signal up), then evaluated.
"""

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from warning.handling import attachments as files
from warning.petitions.input import PetitionIn
from warning.petitions.keys import ReporterCipher
from warning.petitions.service import StoredPetition, already_logged, store_petition
from warning.runtime import Runtime


def file_petition(
    runtime: Runtime, *, petition: PetitionIn, cipher: ReporterCipher | None,
    prepared: Sequence[files.Prepared] = (), directory: Path | None = None,
    receipt: bool = False,
) -> StoredPetition:
    """Store a petition (and its checked files) and evaluate it; raise DomainError if refused."""
    if prepared:
        assert directory is not None
        # Bytes first, under their sha256: a file without a row is harmless and is written
        # once whatever happens next; a row without its file could not be opened.
        files.store(list(prepared), directory)
    try:
        with runtime.sessions() as session, session.begin():
            stored = store_petition(session, petition=petition, cipher=cipher, files=prepared,
                                    receipt=receipt)
    except IntegrityError:
        # The same external id stored by another request at the same instant (a form sent
        # twice): the unique index keeps one, and this one is refused as a repeat would be.
        if petition.external_id is None:
            raise
        raise already_logged(petition.external_id) from None
    runtime.intake.evaluate([stored.signal_id])
    return stored
