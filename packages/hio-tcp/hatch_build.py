"""Metadata hook shared by every hio distribution.

All hio distributions carry one version, read from the repository's
``VERSION`` file (inside an sdist, from the copy packed at its root). Each
sibling named in ``[tool.hatch.metadata.hooks.custom] siblings`` becomes a
dependency pinned to exactly that version; ``requires`` lists the others.
"""

from pathlib import Path

from hatchling.metadata.plugin.interface import MetadataHookInterface


class HioMetadataHook(MetadataHookInterface):
    """Sets ``version`` and ``dependencies`` from the one VERSION file."""

    def update(self, metadata: dict) -> None:
        root = Path(self.root)
        found = [p for p in (root / "VERSION", root.parent.parent / "VERSION") if p.is_file()]
        if not found:
            raise FileNotFoundError(f"no VERSION file at {root} or two levels up")
        version = found[0].read_text(encoding="utf-8").strip()
        metadata["version"] = version
        siblings = [f"{name}=={version}" for name in self.config.get("siblings", [])]
        metadata["dependencies"] = siblings + list(self.config.get("requires", []))
