"""Serving the built front-end files (``scripts/build-assets``) under ``/assets``."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from starlette.staticfiles import StaticFiles

logger = logging.getLogger(__name__)


class AssetFiles(StaticFiles):
    """Static files from a directory that may be missing (assets not built): every request is
    then a 404 and one warning is logged, instead of StaticFiles' RuntimeError (a 500) on the
    first request. The pages still render, unstyled."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory=directory, check_dir=False)
        self.missing_directory = directory

    async def check_config(self) -> None:
        if not os.path.isdir(self.missing_directory):
            logger.warning(
                "front-end assets not found in %s (run scripts/build-assets, or set "
                "HELPDESK_ASSETS_DIR); /assets answers 404",
                self.missing_directory,
            )
            return
        await super().check_config()
