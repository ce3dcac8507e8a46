"""`extractor layouts draft FILE [--page N] [-o NEW.yaml]` and
`extractor layouts show FILE --layout ID [-o page.png]`."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from extractor.config import Settings

EXIT_OK, EXIT_USAGE = 0, 2


def layout_command(name: str, files: list[str], args: argparse.Namespace, settings: Settings) -> int:
    if len(files) != 1:
        print(f"extractor: layouts {name} takes one document, got {len(files)}", file=sys.stderr)
        return EXIT_USAGE
    if name == "draft":
        return draft_command(Path(files[0]), args.page, args.output, settings)
    from extractor.layout.show import show_command

    return show_command(Path(files[0]), args.page, args.layout, args.output, settings)


def layout_id_for(output: str | None, document: Path) -> str:
    stem = Path(output).stem if output else f"draft-{document.stem}"
    lid = re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-_")
    return lid if lid and lid[0].isalnum() else f"draft-{lid or 'layout'}"


def draft_command(document: Path, page: int, output: str | None, settings: Settings) -> int:
    from extractor.layout.draft import draft_file
    from extractor.layout.draft_yaml import draft_to_yaml, load_draft
    from extractor.layout.spec import load_layouts
    from extractor.layout.vocab import vocabulary

    vocab = vocabulary(load_layouts(settings.layouts_dir))
    try:
        draft = draft_file(document, page, vocab)
    except ValueError as e:
        print(f"extractor: {document}: {e}", file=sys.stderr)
        return EXIT_USAGE
    lid = layout_id_for(output, document)
    text = draft_to_yaml(draft, lid)
    load_draft(text, output or lid)  # a draft that would not load is never written
    if output:
        Path(output).write_text(text, encoding="utf-8")
        print(f"{output}: layout {lid} drafted from {document} page {page}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK

