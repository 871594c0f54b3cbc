"""A real PDF writer for tests (fpdf2): one page per string, Helvetica text layer; and
``write_report``, pages laid out like a real report: a running header and footer, a page
number, bold headings and two columns."""

from __future__ import annotations

from pathlib import Path


def write_pdf(path: Path, pages: list[str]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


def write_report(path: Path, pages: list[list[tuple]], header: str | None = None,
                 footer: str | None = None, number: str | None = "- {n} -") -> Path:
    """A PDF of ``pages``, each a list of blocks drawn top to bottom:

    * ``("heading", text)``: a bold line;
    * ``("text", text)``: a paragraph across the page;
    * ``("columns", left, right)``: two columns side by side.

    ``header`` is drawn at the top of every page, ``footer`` and the page ``number`` (a format
    with ``{n}``, or None) at the bottom, as a word processor does."""
    from fpdf import FPDF

    class Report(FPDF):
        def header(self):
            if header:
                self.set_font("Helvetica", size=9)
                self.cell(0, 6, header, align="C")
                self.ln(10)

        def footer(self):
            self.set_y(-20)
            self.set_font("Helvetica", size=9)
            if footer:
                self.cell(0, 5, footer, align="C")
                self.ln(5)
            if number:
                self.cell(0, 5, number.format(n=self.page_no()), align="C")

    pdf = Report()
    for blocks in pages:
        pdf.add_page()
        for kind, *texts in blocks:
            if kind == "heading":
                pdf.set_font("Helvetica", "B", 13)
                pdf.multi_cell(0, 8, texts[0])
                pdf.ln(2)
            elif kind == "text":
                pdf.set_font("Helvetica", size=11)
                pdf.multi_cell(0, 6, texts[0])
                pdf.ln(3)
            elif kind == "columns":
                pdf.set_font("Helvetica", size=11)
                top = pdf.get_y()
                pdf.multi_cell(90, 6, texts[0])
                bottom = pdf.get_y()
                pdf.set_xy(110, top)
                pdf.multi_cell(90, 6, texts[1])
                pdf.set_xy(pdf.l_margin, max(bottom, pdf.get_y()) + 3)
            else:
                raise ValueError(kind)
    pdf.output(str(path))
    return path
