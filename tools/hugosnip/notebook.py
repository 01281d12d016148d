"""A Jupyter notebook (nbformat 4.5) made from a snippet module's cells and their results.

Written by hand rather than with nbformat: the format is small, and the output must be the same
bytes every time (no timestamps, no random cell ids: each cell's id is its name).
"""

from __future__ import annotations


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def notebook(module_rel: str, dotted: str, cells: list, results: dict[str, dict]) -> dict:
    # The site shows this cell in the page's language (i18n id hugosnip_notebook_intro).
    package = dotted.partition(".")[0]
    intro = (f"Made from `{module_rel}` by hugosnip. Open the notebook from the site's root folder "
             f"(so that `import {package}…` works), or run the whole file: `python -m {dotted}`.")
    out = [{"cell_type": "markdown", "id": "hugosnip-intro", "metadata": {}, "source": _lines(intro)}]
    for count, cell in enumerate(cells, start=1):
        result = results.get(cell.name, {})
        outputs = []
        for stream in ("stdout", "stderr"):
            if result.get(stream):
                outputs.append({"output_type": "stream", "name": stream, "text": _lines(result[stream])})
        if result.get("error"):
            name, _, value = result["error"].partition(": ")
            outputs.append({"output_type": "error", "ename": name, "evalue": value, "traceback": []})
        if result.get("value"):
            outputs.append({"output_type": "execute_result", "execution_count": count, "metadata": {},
                            "data": {"text/plain": _lines(result["value"]["repr"])}})
        out.append({"cell_type": "code", "id": cell.name[:64], "metadata": {}, "execution_count": count,
                    "source": _lines(cell.code), "outputs": outputs})
    return {
        "cells": out,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                     "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
