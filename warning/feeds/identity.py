"""Which story a feed entry is: its key, chosen from what is unique within one fetch.

Feeds do not keep the promise of RSS that a guid (or a link) names one story. CMS feeds
point every item at the home page, give every item the same guid, or have neither and
repeat a title ("通知公告"). Keying by the first of guid/link/title that is present would
fold such items into one entry, and every new story would count as an edit of the first.

The rule, per entry, within the entries of one fetch (exact duplicates folded first):

1. its guid, if the guid is unique among them and does not name the site's home page;
2. else its link, on the same two conditions;
3. else its title together with its guid or link (a "locator"), if that pair is unique;
   an entry with neither guid nor link keys by its title alone if the title is unique;
4. else a hash of title, published date and summary;
5. entries still equal after that are the same story listed twice: the first is kept.

A home-page URL is the feed's own `<link>`, the feed's address, or any URL whose path is
empty or "/". Keys of rules 1, 2 and the title-only case of 3 are the keys used before
this rule existed, so stored entries keep matching. When a guid or link stops being
unique (a feed that starts reusing a link), the entry keeps that guid or link as its
`alias`: a stored entry under the alias with the same content hash is the same story,
not a new one. A title edit under rule 3 or any edit under rule 4 makes a new key, and
so a new entry: without a unique guid or link there is nothing else to tell an edit from
a new story.
"""

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class EntryFacts:
    """What identifies an entry: guid, link, title, published date (ISO) and summary."""

    guid: str | None
    link: str | None
    title: str
    published: str
    summary: str


@dataclass(frozen=True)
class Identity:
    """An entry's key, and the guid or link it would have had if that were unique."""

    key: str
    alias: str | None = None


def digest(*parts: str) -> str:
    """Return a prefixed sha256 of the parts, one per line."""
    return "sha256:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def is_home(url: str, homes: set[str]) -> bool:
    """Tell whether a URL names the site (its home page or the feed) rather than a story."""
    if url.rstrip("/") in homes:
        return True
    parts = urlsplit(url)
    return bool(parts.netloc) and parts.path in ("", "/") and not parts.query


def assign(entries: Sequence[EntryFacts], homes: Sequence[str] = ()) -> list[Identity | None]:
    """Key each entry of one fetch by the rule above; None marks a repeat of an earlier one."""
    home_set = {home.rstrip("/") for home in homes if home}
    distinct = list(dict.fromkeys(entries))  # exact repeats are one story listed twice
    guids = Counter(e.guid for e in distinct if e.guid)
    links = Counter(e.link for e in distinct if e.link)
    titled = Counter(_titled(e) for e in distinct)
    seen: set[EntryFacts] = set()
    taken: set[str] = set()
    keys: list[Identity | None] = []
    for entry in entries:
        identity = None
        if entry not in seen:
            seen.add(entry)
            identity = _identity(entry, guids, links, titled, home_set)
            if identity.key in taken:  # rule 5: distinct entries still equal
                identity = None
            else:
                taken.add(identity.key)
        keys.append(identity)
    return keys


def _identity(
    entry: EntryFacts, guids: Counter[str], links: Counter[str],
    titled: Counter[str | None], homes: set[str],
) -> Identity:
    if entry.guid and guids[entry.guid] == 1 and not is_home(entry.guid, homes):
        return Identity(entry.guid)
    if entry.link and links[entry.link] == 1 and not is_home(entry.link, homes):
        return Identity(entry.link)
    alias = entry.guid or entry.link
    pair = _titled(entry)
    if pair is not None and titled[pair] == 1:
        key = digest(entry.title, "") if alias is None else digest(alias, entry.title)
        return Identity(key, alias)
    return Identity(digest(entry.title, entry.published, entry.summary), alias)


def _titled(entry: EntryFacts) -> str | None:
    if not entry.title:
        return None
    return f"{entry.guid or entry.link or ''}\n{entry.title}"
