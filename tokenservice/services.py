"""What the views and the command line need, built once per app: no Flask here.

:class:`Services` is the container (settings, database, keys, the pass register);
:meth:`Services.build` makes one from :class:`~tokenservice.config.Settings`. The web edge
keeps it on the app (``app.extensions["pas"]``) and hands it out with
:func:`tokenservice.web.context.services`; workflows such as ``spreekuur`` take it as an
argument (docs/adr/0017).
"""

from __future__ import annotations

from dataclasses import dataclass

from tokenservice.config import Settings
from tokenservice.issue.keyring import Keyring
from tokenservice.issue.passes import PassService
from tokenservice.ops import publish
from tokenservice.store.db import Database


@dataclass
class Services:
    """What views need, built once per app (``current_app.extensions['pas']``)."""

    settings: Settings
    db: Database
    keyring: Keyring
    passes: PassService

    @classmethod
    def build(cls, settings: Settings) -> Services:
        """Open the database and the key folder of ``settings`` (keys are decrypted lazily)."""
        db = Database(settings.database_url)
        keyring = Keyring(settings.keys_dir, settings.key_passphrase)
        # With public_dir, a revocation list is written as a static file once committed.
        on_list = publish.after_commit(settings.public_dir) if settings.public_dir else None
        passes = PassService(db, keyring, settings, on_list=on_list)
        return cls(settings=settings, db=db, keyring=keyring, passes=passes)

    def publish(self) -> publish.Published | None:
        """Every public list into ``public_dir`` (None when it is not set): at start, after a
        new trust list (reload), and from ``pas-service publish`` (the timer re-signs lists
        before they expire). Raises ConfigError/PublishError; tokenservice/ops/publish.py."""
        if self.settings.public_dir is None:
            return None
        return publish.publish_all(self.settings.public_dir, self.keyring, self.passes)


__all__ = ["Services"]
