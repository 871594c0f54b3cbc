"""The web chat driven as a person would, in headless Chromium (Debian's ``chromium`` and
``chromium-driver``, installed by tests/setup_browser.sh when missing; Selenium with the system
browser and driver, never a download).

One real ``python app.py`` serves a temporary copy of the corpus. The browser reports English
as its language: the page must be Indonesian all the same. The tests take screenshots: into a
temporary folder, or into the folder named by ``TANYA_SCREENSHOTS`` (``make screenshots`` sets
docs/screenshots/, the README's pictures), so a test run leaves the checkout as it was."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from apphelpers import PROJECT_ROOT, AppServer, running_app, start_app
from pdfs import write_pdf

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
KEEP_SCREENSHOTS = os.environ.get("TANYA_SCREENSHOTS")
SCREENSHOTS = (Path(KEEP_SCREENSHOTS) if KEEP_SCREENSHOTS
               else Path(tempfile.mkdtemp(prefix="tanya-layar-")))
ACTIP_Q = "Apa kepanjangan dari ACTIP?"
ACTIP_A = "ASEAN Convention Against Trafficking in Persons"
ACTIP_SOURCE = "artikel-perdagangan-orang-asia-tenggara-actip.txt"
PDF_FACT = ("Pada tahun 2024 tercatat 37 korban perdagangan orang di Kampung Nelayan Sukamaju, "
            "sebagian besar direkrut melalui tawaran kerja palsu di kapal ikan.")
PDF_QUESTION = "Berapa korban perdagangan orang di Kampung Nelayan Sukamaju?"

# English that Gradio would show if its strings leaked into the page.
ENGLISH = ["Submit", "Clear", "Loading", "Error", "Upload", "Copy", "Like", "Dislike",
           "Toggle", "Select example", "chatbot", "message", "Drop File", "Click to",
           "Built with", "Use via API", "Settings", "Retry", "Undo", "Info", "Close",
           "processing", "queue"]
WAIT_S = 30
STORAGE_KEY = "tanya-trafficking-percakapan"  # web/page.py's


def _ensure_browser() -> None:
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return
    setup = PROJECT_ROOT / "tests" / "setup_browser.sh"
    done = subprocess.run(["bash", str(setup)], capture_output=True, text=True, timeout=900)
    if done.returncode != 0 or not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing and {setup} could not install it:\n"
                    f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> AppServer:
    with running_app(tmp_path_factory.mktemp("browser")) as srv:
        yield srv


def _driver(profile: Path, language: str = "en-US"):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                 f"--lang={language}", "--window-size=1280,960"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    return driver


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    _ensure_browser()
    driver = _driver(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


def _wait(predicate, timeout: float = WAIT_S, message: str = ""):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except Exception as e:  # noqa: BLE001 - the page re-renders while streaming
            last = e
        else:
            if last:
                return last
        time.sleep(0.1)
    raise AssertionError(f"timed out: {message} (last: {last!r})")


@contextmanager
def _viewport(driver, width: int, height: int, mobile: bool = False, scale: int = 1):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": scale,
                            "mobile": mobile})
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def _phone(driver):
    """A 390 x 844 phone screen."""
    return _viewport(driver, 390, 844, mobile=True, scale=2)


def _open(driver, server: AppServer, keep: bool = False, query: str = "") -> None:
    """Load the page. The browser keeps the conversation across loads: unless ``keep``, its
    kept copy is forgotten first, so every test starts with an empty chat."""
    if not keep:
        driver.execute_cdp_cmd("Storage.clearDataForOrigin", {
            "origin": server.url.rstrip("/"), "storageTypes": "local_storage"})
    driver.get(server.url + query)
    # window.__tt: the page's own script ran, which Gradio does once the app is up;
    # window.__ttReady: the load event redrew the documents panel and restored the chat.
    _wait(lambda: driver.execute_script(
        "return !!document.querySelector('#tt-input textarea') && "
        "!!document.querySelector('#tt-docs .tt-docs') && window.__tt === true && "
        "window.__ttReady === true"),
        message="page loaded")


def _answers(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#tt-chat .tt-answer'))"
        ".map(e => e.innerText)")


def _finished_answers(driver) -> int:
    return driver.execute_script(
        "return document.querySelectorAll('#tt-chat button.tt-copy').length")


def _ask(driver, question: str) -> str:
    """Type a question, press Enter, return the finished answer's text."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    before = _finished_answers(driver)
    box = driver.find_element(By.CSS_SELECTOR, "#tt-input textarea")
    box.click()
    box.send_keys(question)
    box.send_keys(Keys.ENTER)
    _wait(lambda: _finished_answers(driver) > before, message=f"answer to {question!r}")
    return _answers(driver)[-1]


def _visible_strings(driver) -> list[str]:
    return driver.execute_script("""
        const out = [];
        for (const el of document.querySelectorAll('*')) {
          for (const a of ['aria-label', 'title', 'placeholder', 'alt']) {
            const v = el.getAttribute(a); if (v) out.push(v);
          }
        }
        out.push(document.body.innerText);
        return out;""")


def _screenshot(driver, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tmp = SCREENSHOTS / f"{name}.tmp.png"
    driver.save_screenshot(str(tmp))
    final = SCREENSHOTS / f"{name}.png"
    os.replace(tmp, final)
    return final


def _english_words(strings: list[str]) -> list[str]:
    import re

    found = []
    for s in strings:
        for word in ENGLISH:
            if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", s):
                found.append(f"{word!r} in {s[:120]!r}")
    return found


# --------------------------------------------------------------------------- the page


def test_page_is_indonesian_even_for_an_english_browser(browser, server) -> None:
    _open(browser, server)
    assert browser.title == "Tanya Trafficking"
    assert browser.execute_script("return navigator.language").startswith("en")
    assert browser.execute_script("return document.documentElement.lang") == "id"
    # The documents panel is drawn again when the page loads (it may have changed since the
    # server started): read the page once the list is there.
    def listed():
        t = browser.find_element("css selector", "body").text
        return t if ACTIP_SOURCE in t and "Indeks ulang" in t else None

    text = _wait(listed, message="documents listed")
    for phrase in ("Dokumen terindeks", "Tambah dokumen", "Pilih berkas untuk diunggah",
                   "Tentang", "Kirim", "Percakapan baru", "Coba salah satu contoh",
                   "kutipan persis dari dokumen, bukan pendapat", ACTIP_SOURCE,
                   "1 halaman", "bagian teks", "Indeks terakhir dibangun"):
        assert phrase in text, phrase
    placeholder = browser.execute_script(
        "return document.querySelector('#tt-input textarea').placeholder")
    assert placeholder.startswith("Tulis pertanyaan")
    assert not _english_words(_visible_strings(browser))
    assert "potongan" not in text.lower() and "chunk" not in text.lower()


def test_question_streams_an_answer_with_sources_and_passage(browser, server) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, server)
    # Record every state of the answer bubble while it is being written.
    browser.execute_script("""
        window.__states = [];
        new MutationObserver(() => {
          const a = document.querySelectorAll('#tt-chat .tt-answer');
          if (a.length) window.__states.push(a[a.length - 1].innerText);
        }).observe(document.querySelector('#tt-chat'),
                   {subtree: true, childList: true, characterData: true});""")
    answer = _ask(browser, ACTIP_Q)
    assert "Menurut dokumen:" in answer and ACTIP_A in answer, answer
    assert re.search(r"Jawaban singkat:\s*\S*\s*Convention Against Trafficking in Persons",
                     answer), answer
    states = browser.execute_script("return window.__states")
    partial = [s for s in states if "▍" in s]
    assert len(partial) >= 3, states  # the answer appeared piece by piece
    lengths = [len(s) for s in partial]
    assert lengths == sorted(lengths), lengths
    # The thinking state came first.
    assert any("Mencari di dokumen" in s for s in states), states[:3]
    # The "Sumber" block: closed, then opened with a click.
    summary = browser.find_elements(By.CSS_SELECTOR, "#tt-chat details.tt-sources > summary")[-1]
    assert summary.text == "Sumber (1)"
    details = summary.find_element(By.XPATH, "..")
    assert details.get_attribute("open") is None
    summary.click()
    _wait(lambda: details.get_attribute("open") is not None, message="Sumber opens")
    mark = details.find_element(By.CSS_SELECTOR, "blockquote.tt-src-quote mark.tt-ans")
    # The reader's short answer is what is marked ("Convention Against Trafficking in
    # Persons", the span the reader chose inside the expansion).
    assert mark.text in ACTIP_A and "Trafficking in Persons" in mark.text
    assert mark.is_displayed()
    where = details.find_element(By.CSS_SELECTOR, "p.tt-where").text
    assert ACTIP_SOURCE in where and "tanpa nomor halaman" in where
    # The surrounding passage: the whole chunk, the quote marked inside it.
    passage_summary = details.find_element(By.CSS_SELECTOR, "details.tt-passage > summary")
    assert passage_summary.text == "Lihat bagian sekitarnya"
    passage = details.find_element(By.CSS_SELECTOR, "p.tt-passage-text")
    assert not passage.is_displayed()
    passage_summary.click()
    _wait(passage.is_displayed, message="passage opens")
    quote = passage.find_element(By.CSS_SELECTOR, "mark.tt-in-passage").text
    assert ACTIP_A in quote
    assert len(passage.text) > len(quote) + 50  # more than the quote: its context
    _screenshot(browser, "desktop-jawaban")


def test_example_question_is_asked_with_one_click(browser, server) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, server)
    examples = browser.find_elements(By.CSS_SELECTOR, "#tt-chat button.example")
    assert len(examples) == 4
    assert examples[1].get_attribute("aria-label").startswith("Pilih contoh 2:")
    examples[1].click()
    _wait(lambda: _finished_answers(browser) == 1, message="example answered")
    answer = _answers(browser)[-1]
    assert "156,330 ribu" in answer, answer
    marks = browser.execute_script(
        "return Array.from(document.querySelectorAll('#tt-chat .tt-quote mark.tt-ans'))"
        ".map(m => m.innerText)")
    assert any("156,330 ribu" in m for m in marks), marks  # the reader's short answer


def test_copy_button_copies_answer_and_sources(browser, server) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, server)
    _ask(browser, ACTIP_Q)
    browser.execute_script("""
        window.__copied = null;
        navigator.clipboard.writeText = (t) => { window.__copied = t; return Promise.resolve(); };
    """)
    button = browser.find_elements(By.CSS_SELECTOR, "#tt-chat button.tt-copy")[-1]
    assert button.text == "Salin jawaban"
    button.click()
    copied = _wait(lambda: browser.execute_script("return window.__copied"), message="copy")
    assert copied.startswith("Jawaban singkat: ") and ACTIP_A in copied
    assert "\nMenurut dokumen:\n" in copied
    assert f"Sumber:\n[1] {ACTIP_SOURCE}" in copied
    assert "<" not in copied  # plain text, no HTML
    _wait(lambda: "Tersalin" in button.text, message="button says copied")


def test_thumbs_up_appends_a_line_to_the_feedback_file(browser, server) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, server)
    _ask(browser, ACTIP_Q)
    lines_before = (server.feedback.read_text("utf-8").splitlines()
                    if server.feedback.exists() else [])
    likes = browser.find_elements(By.CSS_SELECTOR, "#tt-chat button[aria-label='Jawaban bagus']")
    assert likes, "no thumbs-up button"
    likes[-1].click()

    def new_lines():
        if not server.feedback.exists():
            return None
        lines = server.feedback.read_text("utf-8").splitlines()
        return lines[len(lines_before):] or None

    lines = _wait(new_lines, message="feedback line")
    record = json.loads(lines[-1])
    assert record["question"] == ACTIP_Q and record["verdict"] == "up"
    assert ACTIP_A in record["answer"] and record["found"] is True
    assert record["sources"][0]["source"] == ACTIP_SOURCE
    # A thank-you notice, in Indonesian.
    toast = _wait(lambda: browser.execute_script(
        "return Array.from(document.querySelectorAll(\"[data-testid='toast-body']\"))"
        ".map(t => t.innerText).join(' ')"), message="notice")
    assert "Terima kasih" in toast, toast
    assert "Informasi" in toast, toast
    assert not _english_words([toast])
    time.sleep(0.5)  # the notice slides in
    _screenshot(browser, "desktop-umpan-balik")
    # Thumbs down on the same answer: another line with the other verdict.
    dislikes = browser.find_elements(By.CSS_SELECTOR,
                                     "#tt-chat button[aria-label='Jawaban kurang tepat']")
    dislikes[-1].click()
    _wait(lambda: len(server.feedback.read_text("utf-8").splitlines()) ==
          len(lines_before) + 2, message="second feedback line")
    assert json.loads(server.feedback.read_text("utf-8").splitlines()[-1])["verdict"] == "down"
    # A clicked thumb keeps an Indonesian name (Gradio itself writes "Liked"/"Disliked").
    labels = browser.execute_script(
        "return Array.from(document.querySelectorAll('#tt-chat button[aria-label]'))"
        ".map(b => b.getAttribute('aria-label'))")
    assert "Dinilai kurang tepat" in labels, labels
    assert not {"Liked", "Disliked"} & set(labels), labels


def test_a_lost_connection_is_told_in_indonesian(browser, server, tmp_path) -> None:
    """Gradio's own "Connection Lost" notice (hard-coded English) reads Indonesian."""
    from selenium.webdriver.common.by import By

    srv = start_app(tmp_path / "putus", index=server.index)
    try:
        browser.get(srv.url)
        _wait(lambda: browser.execute_script("return window.__tt === true"),
              message="page script ran")
        box = browser.find_element(By.CSS_SELECTOR, "#tt-input textarea")
    finally:
        srv.close()
    box.send_keys(ACTIP_Q)  # a question with no server behind the page
    browser.find_element(By.CSS_SELECTOR, "#tt-send").click()
    toast = _wait(lambda: browser.execute_script(
        "return Array.from(document.querySelectorAll(\"[data-testid='toast-body']\"))"
        ".map(t => t.innerText).join(' ')"), timeout=60, message="connection notice")
    assert "Koneksi ke server terputus" in toast and "menyambung kembali" in toast, toast
    assert "Connection" not in toast and not _english_words([toast]), toast


def test_new_conversation_empties_the_chat(browser, server) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, server)
    _ask(browser, ACTIP_Q)
    assert _answers(browser)
    browser.find_element(By.CSS_SELECTOR, "#tt-new").click()
    _wait(lambda: not _answers(browser), message="chat emptied")
    _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#tt-chat button.example"),
          message="examples back")
    # The next question starts a fresh conversation: one question, one answer.
    _ask(browser, ACTIP_Q)
    assert len(_answers(browser)) == 1


def test_follow_up_question_shows_which_question_it_leans_on(browser, server) -> None:
    _open(browser, server)
    first = _ask(browser, "Apa itu ACTIP?")
    assert ACTIP_A in first and "Pertanyaan lanjutan" not in first
    follow = _ask(browser, "Kapan itu ditandatangani?")
    note = browser.execute_script(
        "const a = document.querySelectorAll('#tt-chat .tt-answer');"
        "const n = a[a.length - 1].querySelector('.tt-context'); return n && n.innerText")
    assert note == ("Pertanyaan lanjutan: memakai konteks dari pertanyaan sebelumnya: "
                    "«Apa itu ACTIP?»"), note
    assert "2015" in follow and "tidak ditemukan" not in follow, follow
    assert not _english_words([follow])


def test_keyboard_alone_asks_and_opens_sources(browser, server) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    _open(browser, server)
    active = lambda: browser.execute_script(  # noqa: E731
        "const a = document.activeElement; return [a.tagName, a.id, a.className, "
        "a.closest('#tt-input') ? 'input' : '', a.innerText || '']")
    _wait(lambda: active()[3] == "input", message="question box focused on load")
    ActionChains(browser).send_keys(ACTIP_Q).send_keys(Keys.ENTER).perform()
    _wait(lambda: _finished_answers(browser) == 1, message="answer")
    # Tab from the question box reaches "Kirim", then "Percakapan baru".
    browser.execute_script("document.querySelector('#tt-input textarea').focus()")
    ActionChains(browser).send_keys(Keys.TAB).perform()
    assert active()[4].strip() == "Kirim"
    ActionChains(browser).send_keys(Keys.TAB).perform()
    assert active()[4].strip() == "Percakapan baru"
    # The "Sumber" summary is focusable and opens with Enter.
    browser.execute_script(
        "document.querySelector('#tt-chat details.tt-sources > summary').focus()")
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    _wait(lambda: browser.execute_script(
        "return document.querySelector('#tt-chat details.tt-sources').open"),
        message="Sumber opened by keyboard")
    outline = browser.execute_script(
        "return getComputedStyle(document.querySelector("
        "'#tt-chat details.tt-sources > summary')).outlineStyle")
    assert outline != "none"  # a visible focus ring


CONTRAST_JS = """
function rgba(s) {
  const m = s.match(/[\\d.]+/g).map(Number);
  return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
}
function lum([r, g, b]) {
  const f = (c) => {
    c /= 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}
function background(el) {
  let layers = [];
  for (let e = el; e; e = e.parentElement) {
    const c = rgba(getComputedStyle(e).backgroundColor);
    if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
  }
  let out = [255, 255, 255];
  for (const c of layers.reverse()) out = out.map((v, i) => v * (1 - c[3]) + c[i] * c[3]);
  return out;
}
const out = [];
for (const sel of arguments[0]) {
  for (const el of document.querySelectorAll(sel)) {
    if (!el.offsetParent && el.tagName !== 'BODY') continue;
    const fg = rgba(getComputedStyle(el).color), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    out.push([sel, (a + 0.05) / (b + 0.05)]);
  }
}
return out;
"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_has_readable_contrast(browser, server, theme) -> None:
    _open(browser, server, query="?__theme=dark" if theme == "dark" else "")
    assert browser.execute_script(
        "return document.body.classList.contains('dark')") == (theme == "dark")
    _ask(browser, "Berapa jumlah kasus human trafficking pada tahun 2023?")
    browser.execute_script("document.querySelectorAll('#tt-chat details').forEach("
                           "d => d.open = true)")
    selectors = ["#tt-header h1", "#tt-header p", ".tt-doc-name", ".tt-doc-meta", ".tt-built",
                 ".tt-total", ".tt-lead", "blockquote.tt-quote", "mark.tt-ans",
                 "details.tt-sources > summary", "p.tt-where", "details.tt-passage > summary",
                 "p.tt-passage-text", "button.tt-copy", "#tt-send", "#tt-new",
                 "#tt-upload-note p", ".tt-question", "#tt-input textarea",
                 "#tt-clear-history", "#tt-export", "#tt-sidebar h2", "#tt-sidebar h3",
                 "#tt-about button", "#tt-limit p"]
    browser.find_element("css selector", "#tt-input textarea").send_keys("x" * 900)
    _wait(lambda: browser.execute_script(
        "return document.querySelector('#tt-limit p').innerText"), message="limit note")
    ratios = browser.execute_script(CONTRAST_JS, selectors)
    seen = {sel for sel, _ in ratios}
    assert {"blockquote.tt-quote", "mark.tt-ans", "p.tt-where", "#tt-send", ".tt-total",
            "#tt-upload-note p", "#tt-limit p"} <= seen, seen
    low = [(sel, round(r, 2)) for sel, r in ratios if r < 4.5]
    assert not low, f"below WCAG AA 4.5:1 ({theme}): {low}"
    if theme == "dark":
        with _viewport(browser, 1280, 800):
            from selenium.webdriver.common.keys import Keys

            box = browser.find_element("css selector", "#tt-input textarea")
            box.send_keys(Keys.CONTROL, "a")
            box.send_keys(Keys.DELETE)
            browser.execute_script(
                "document.querySelector('#tt-chat .tt-answer').scrollIntoView({block: 'start'});"
                "window.scrollTo(0, 0);")
            time.sleep(0.8)
            _screenshot(browser, "gelap-desktop")


# --------------------------------------------------------------------------- uploads


def test_upload_pdf_then_ask_about_it(browser, server, tmp_path) -> None:
    from selenium.webdriver.common.by import By

    good = write_pdf(tmp_path / "laporan-nelayan.pdf",
                     ["Laporan Lapangan Kampung Nelayan.\n\n" + PDF_FACT,
                      "Halaman kedua. Lembaga Pelindung Pesisir mendampingi para korban."])
    fake = tmp_path / "palsu.pdf"
    fake.write_bytes(b"<html>ini bukan PDF</html>")
    binary = tmp_path / "gambar.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    _open(browser, server)
    assert "tidak ditemukan" in _ask(browser, PDF_QUESTION)  # not yet in the corpus
    browser.execute_script("""
        window.__upload = [];
        window.__page = [];
        new MutationObserver(() => window.__upload.push(
            document.querySelector('#tt-upload-status').innerHTML))
          .observe(document.querySelector('#tt-upload-status'),
                   {subtree: true, childList: true, characterData: true, attributes: true});
        new MutationObserver(() => window.__page.push(document.body.innerText))
          .observe(document.body,
                   {subtree: true, childList: true, characterData: true});""")
    file_input = browser.find_element(By.CSS_SELECTOR, "#tt-sidebar input[type=file]")
    assert file_input.get_attribute("accept").startswith(".pdf,.txt,.md")
    file_input.send_keys("\n".join(str(p) for p in (good, fake, binary)))
    status = browser.find_element(By.CSS_SELECTOR, "#tt-upload-status")
    # A moment of the progress (counts, percentage, time left) for the README.
    _wait(lambda: re.search(r'aria-valuenow="[1-9]', status.get_attribute("innerHTML")),
          timeout=180, message="upload progress shown")
    _screenshot(browser, "desktop-unggah-kemajuan")
    _wait(lambda: "berkas ditambahkan" in status.text, timeout=180, message="upload indexed")
    states = browser.execute_script("return window.__upload")
    assert any('role="progressbar"' in s for s in states), states[:5]  # a progress indicator
    # Only our Indonesian status: no Gradio "queue: 1/1" / "processing | 1.2s" on the way,
    # and the percentage never goes back (issue 17).
    pcts = [int(m) for s in states for m in re.findall(r'aria-valuenow="(\d+)"', s)]
    assert pcts == sorted(pcts), pcts
    page_texts = browser.execute_script("return window.__page")
    flashes = [m.string[max(0, m.start() - 80):m.end() + 80] for t in page_texts
               if (m := re.search(r"\bqueue\b|processing|antrean", t, re.I))]
    assert not flashes, flashes[:2]
    text = status.text
    assert "1 dari 3 berkas ditambahkan" in text, text
    assert "laporan-nelayan.pdf: ditambahkan sebagai laporan-nelayan.pdf (2 halaman)" in text
    assert "palsu.pdf: bukan PDF" in text
    assert "gambar.txt: bukan berkas teks" in text
    docs = browser.find_element(By.CSS_SELECTOR, "#tt-docs").text
    assert "laporan-nelayan.pdf\n2 halaman" in docs, docs
    assert f"{len(list((PROJECT_ROOT / 'corpus').iterdir())) + 1} dokumen" in docs, docs
    assert (server.corpus / "laporan-nelayan.pdf").is_file()
    assert not (server.corpus / "palsu.pdf").exists()
    # Answers from the new file at once, without a restart.
    answer = _ask(browser, PDF_QUESTION)
    assert "Menurut dokumen:" in answer and "37 korban" in answer, answer
    sources = browser.find_elements(By.CSS_SELECTOR, "#tt-chat details.tt-sources > summary")
    sources[-1].click()
    where = _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#tt-chat p.tt-where")[-1].text,
                  message="source shown")
    assert "laporan-nelayan.pdf" in where and "halaman 1" in where, where
    browser.execute_script("document.querySelector('#tt-upload-status')"
                           ".scrollIntoView({block: 'end'})")
    time.sleep(0.3)
    _screenshot(browser, "desktop-unggah")
    assert server.proc.poll() is None


# --------------------------------------------------------------------------- phone


def test_phone_screen_390px(browser, server) -> None:
    from selenium.webdriver.common.by import By

    with _phone(browser):
        _open(browser, server)
        assert browser.execute_script("return window.innerWidth") == 390
        sidebar = browser.find_element(By.CSS_SELECTOR, "#tt-sidebar")
        _wait(lambda: "open" not in sidebar.get_attribute("class"),
              message="side panel starts closed on a phone")
        _screenshot(browser, "ponsel-awal")
        answer = _ask(browser, ACTIP_Q)
        assert ACTIP_A in answer
        no_scroll = browser.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth")
        assert no_scroll, "the page scrolls sideways on a phone"
        # The whole page fits the screen: question box and "Kirim" without scrolling.
        assert browser.execute_script(
            "return document.querySelector('#tt-send').getBoundingClientRect().bottom "
            "<= window.innerHeight")
        browser.find_elements(By.CSS_SELECTOR, "#tt-chat details.tt-sources > summary")[-1] \
            .click()
        time.sleep(0.5)
        _screenshot(browser, "ponsel-jawaban")
        # The input row stays usable: the box and "Kirim" side by side, both on screen.
        box = browser.find_element(By.CSS_SELECTOR, "#tt-input textarea").rect
        send = browser.find_element(By.CSS_SELECTOR, "#tt-send").rect
        assert box["x"] >= 0 and send["x"] + send["width"] <= 390
        assert abs(box["y"] - send["y"]) < 40
        # "Dokumen & unggah" opens the side panel; its chevron closes it.
        opener = browser.find_element(By.CSS_SELECTOR, "button.tt-open-panel")
        assert opener.is_displayed() and opener.text == "Dokumen & unggah"
        browser.execute_script("window.scrollTo(0, 0)")
        opener.click()
        _wait(lambda: "open" in sidebar.get_attribute("class"), message="panel opens")
        time.sleep(0.5)  # its slide-in animation
        assert "Dokumen terindeks" in sidebar.text and ACTIP_SOURCE in sidebar.text
        _screenshot(browser, "ponsel-panel")
        # Its close control lies whole inside the screen, uncovered.
        box = browser.execute_script("""
            const b = document.querySelector('#tt-sidebar .toggle-button');
            const r = b.getBoundingClientRect();
            const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return [r.left, r.top, r.right, r.bottom, window.innerWidth, window.innerHeight,
                    b.contains(top), r.width, r.height];""")
        left, top, right, bottom, width, height, uncovered, w, h = box
        assert left >= 0 and top >= 0 and right <= width - 4 and bottom <= height, box
        assert uncovered and w >= 40 and h >= 40, box  # a whole, thumb-sized control
        sidebar.find_element(By.CSS_SELECTOR, ".toggle-button").click()
        _wait(lambda: "open" not in sidebar.get_attribute("class"), message="panel closes")
        # A reload on the phone keeps the conversation, and its tools fit the screen.
        _open(browser, server, keep=True)
        _wait(lambda: any(ACTIP_A in a for a in _answers(browser)),
              message="conversation restored on the phone")
        for tool in ("#tt-clear-history", "#tt-export"):
            r = browser.find_element(By.CSS_SELECTOR, tool).rect
            assert r["x"] >= 0 and r["x"] + r["width"] <= 390, (tool, r)


def test_desktop_shows_the_side_panel_open(browser, server) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, server)
    sidebar = browser.find_element(By.CSS_SELECTOR, "#tt-sidebar")
    assert "open" in sidebar.get_attribute("class")
    assert not browser.find_element(By.CSS_SELECTOR, "button.tt-open-panel").is_displayed()
    chat = browser.find_element(By.CSS_SELECTOR, "#tt-chat")

    def side_by_side():  # once the panel's slide-in transition is over
        panel = sidebar.rect
        return chat.rect["x"] >= panel["x"] + panel["width"] - 1

    _wait(side_by_side, timeout=5, message="chat beside the panel, not under it")


# --------------------------------------------------------------------------- documents panel

DOC_NAME = "catatan-pelabuhan-tanjung-emas.txt"
DOC_FACT = ("Pada tahun 2025 petugas Pelabuhan Tanjung Emas menyelamatkan 58 awak kapal dari "
            "kerja paksa di kapal penangkap cumi.")
DOC_QUESTION = "Berapa awak kapal yang diselamatkan petugas Pelabuhan Tanjung Emas?"


def _doc_item(driver, source: str):
    """The panel's row of a document (None when it is not listed)."""
    from selenium.webdriver.common.by import By

    for item in driver.find_elements(By.CSS_SELECTOR, "#tt-docs li.tt-doc"):
        if item.find_element(By.CSS_SELECTOR, ".tt-doc-name").text == source:
            return item
    return None


def _ask_to_delete(driver, item):
    """Press a panel row's "Hapus"; the confirmation it shows."""
    from selenium.webdriver.common.by import By

    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", item)
    item.find_element(By.CSS_SELECTOR, "button.tt-doc-delete").click()
    confirm = item.find_element(By.CSS_SELECTOR, ".tt-doc-confirm")
    _wait(confirm.is_displayed, message="confirmation shown")
    return confirm


def _ask_for_message(driver, question: str, expected: str) -> str:
    """Ask, and wait for the last bubble to hold ``expected`` (a message has no copy button)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    before = len(_answers(driver))
    box = driver.find_element(By.CSS_SELECTOR, "#tt-input textarea")
    box.click()
    box.send_keys(question)
    box.send_keys(Keys.ENTER)
    return _wait(lambda: len(_answers(driver)) > before and expected in _answers(driver)[-1]
                 and _answers(driver)[-1], message=f"{expected!r} for {question!r}")


def test_documents_panel_scopes_reindexes_and_deletes(browser, server, tmp_path) -> None:
    from selenium.webdriver.common.by import By

    upload = tmp_path / DOC_NAME
    upload.write_text(f"Catatan Pelabuhan.\n\n{DOC_FACT}\n", encoding="utf-8")
    with _viewport(browser, 1280, 800):
        _open(browser, server)
        browser.find_element(By.CSS_SELECTOR, "#tt-sidebar input[type=file]") \
            .send_keys(str(upload))
        status = browser.find_element(By.CSS_SELECTOR, "#tt-upload-status")
        _wait(lambda: "1 dari 1 berkas ditambahkan" in status.text, timeout=180,
              message="upload indexed")
        item = _wait(lambda: _doc_item(browser, DOC_NAME), message="new document listed")
        assert f"{DOC_NAME}\n1 halaman · 1 bagian teks\nditambahkan " in item.text, item.text
        assert re.search(r"ditambahkan \d{1,2} \w+ 20\d\d, \d\d\.\d\d UTC", item.text), \
            item.text
        assert "Indeks ulang" in item.text and "Hapus" in item.text
        boxes = browser.find_elements(By.CSS_SELECTOR, "#tt-docs input.tt-scope")
        assert boxes and all(b.is_selected() for b in boxes)  # every document, by default

        # Scope: only the new document. A question about the seed corpus is not found in it.
        for other in boxes:
            if other != item.find_element(By.CSS_SELECTOR, "input.tt-scope"):
                other.click()
        assert [b.is_selected() for b in boxes].count(True) == 1
        answer = _ask(browser, ACTIP_Q)
        assert "tidak ditemukan" in answer and ACTIP_SOURCE not in answer, answer
        answer = _ask(browser, DOC_QUESTION)
        assert "Menurut dokumen:" in answer and "58 awak kapal" in answer, answer
        # Nothing checked: a message instead of an answer.
        item.find_element(By.CSS_SELECTOR, "input.tt-scope").click()
        message = _ask_for_message(browser, ACTIP_Q, "Tidak ada dokumen yang dipilih")
        assert "Menurut dokumen" not in message
        for b in boxes:
            b.click()  # every document again
        assert ACTIP_A in _ask(browser, ACTIP_Q)

        # Re-index: read again, still listed, still answering.
        item.find_element(By.CSS_SELECTOR, "button.tt-doc-reindex").click()
        doc_status = browser.find_element(By.CSS_SELECTOR, "#tt-doc-status")
        _wait(lambda: f"{DOC_NAME} diindeks ulang: 1 halaman, 1 bagian teks." in doc_status.text,
              timeout=180, message="re-indexed")
        item = _wait(lambda: _doc_item(browser, DOC_NAME), message="still listed")

        # Delete: the page asks first; "Batal" keeps the document.
        item.find_element(By.CSS_SELECTOR, "button.tt-doc-delete").click()
        confirm = item.find_element(By.CSS_SELECTOR, ".tt-doc-confirm")
        _wait(confirm.is_displayed, message="confirmation shown")
        assert confirm.text.startswith(f"Hapus {DOC_NAME} dari korpus dan indeks?"), confirm.text
        assert "Ya, hapus" in confirm.text and "Batal" in confirm.text
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", item)
        time.sleep(0.3)
        _screenshot(browser, "dokumen-desktop")
        confirm.find_element(By.CSS_SELECTOR, "button.tt-doc-no").click()
        assert not confirm.is_displayed()
        assert (server.corpus / DOC_NAME).is_file()
        item.find_element(By.CSS_SELECTOR, "button.tt-doc-delete").click()
        _wait(confirm.is_displayed, message="confirmation shown again")
        confirm.find_element(By.CSS_SELECTOR, "button.tt-doc-yes").click()
        _wait(lambda: f"{DOC_NAME} dihapus dari korpus dan indeks." in
              browser.find_element(By.CSS_SELECTOR, "#tt-doc-status").text,
              timeout=180, message="deleted")
        _wait(lambda: _doc_item(browser, DOC_NAME) is None, message="gone from the panel")
        assert DOC_NAME not in browser.find_element(By.CSS_SELECTOR, "#tt-docs").text
        assert not (server.corpus / DOC_NAME).exists()
        assert sorted(p.name for p in server.corpus.iterdir() if DOC_NAME in p.name) == []
        answer = _ask(browser, DOC_QUESTION)
        assert "tidak ditemukan" in answer and DOC_NAME not in answer, answer
        assert "58 awak kapal" not in answer
    assert server.proc.poll() is None


def test_documents_panel_on_a_phone(browser, server) -> None:
    from selenium.webdriver.common.by import By

    with _phone(browser):
        _open(browser, server)
        sidebar = browser.find_element(By.CSS_SELECTOR, "#tt-sidebar")
        _wait(lambda: "open" not in sidebar.get_attribute("class"), message="starts closed")
        browser.execute_script("window.scrollTo(0, 0)")
        browser.find_element(By.CSS_SELECTOR, "button.tt-open-panel").click()
        _wait(lambda: "open" in sidebar.get_attribute("class"), message="panel opens")
        time.sleep(0.5)  # its slide-in animation
        # The header's button only opens: a second tap (or a tap while the page's first
        # drawing still shows the panel) leaves it open.
        browser.execute_script("document.querySelector('button.tt-open-panel').click()")
        time.sleep(0.5)
        assert "open" in sidebar.get_attribute("class")
        item = _doc_item(browser, ACTIP_SOURCE)
        buttons = item.find_elements(By.CSS_SELECTOR, ".tt-doc-actions button")
        assert [b.text for b in buttons] == ["Indeks ulang", "Hapus"]
        for b in buttons + item.find_elements(By.CSS_SELECTOR, "input.tt-scope"):
            r = b.rect
            assert b.is_displayed() and r["x"] >= 0 and r["x"] + r["width"] <= 390, r
        assert browser.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth")
        buttons[1].click()
        confirm = item.find_element(By.CSS_SELECTOR, ".tt-doc-confirm")
        _wait(confirm.is_displayed, message="confirmation shown")
        yes = confirm.find_element(By.CSS_SELECTOR, "button.tt-doc-yes")
        assert yes.rect["x"] + yes.rect["width"] <= 390
        _screenshot(browser, "dokumen-ponsel")
        confirm.find_element(By.CSS_SELECTOR, "button.tt-doc-no").click()  # nothing deleted
        assert not confirm.is_displayed() and (server.corpus / ACTIP_SOURCE).is_file()


PHONE_DOC = "catatan-ponsel-bitung.txt"
PHONE_FACT = ("Pada tahun 2025 Dinas Sosial Kota Bitung memulangkan 37 pekerja migran yang "
              "menjadi korban penipuan lowongan kerja.")
PHONE_QUESTION = "Berapa pekerja migran yang dipulangkan Dinas Sosial Kota Bitung?"


def test_upload_scope_and_delete_on_a_phone(browser, server, tmp_path) -> None:
    """The whole path on a 390 px screen: upload in the panel, search only that document,
    delete it after the confirmation."""
    from selenium.webdriver.common.by import By

    upload = tmp_path / PHONE_DOC
    upload.write_text(f"Catatan Bitung.\n\n{PHONE_FACT}\n", encoding="utf-8")
    sidebar_open = "return document.querySelector('#tt-sidebar').classList.contains('open')"

    def open_panel():
        browser.execute_script("window.scrollTo(0, 0)")
        browser.find_element(By.CSS_SELECTOR, "button.tt-open-panel").click()
        _wait(lambda: browser.execute_script(sidebar_open), message="panel opens")
        time.sleep(0.5)  # its slide-in animation

    def close_panel():
        browser.find_element(By.CSS_SELECTOR, "#tt-sidebar .toggle-button").click()
        _wait(lambda: not browser.execute_script(sidebar_open), message="panel closes")

    with _phone(browser):
        _open(browser, server)
        open_panel()
        browser.find_element(By.CSS_SELECTOR, "#tt-sidebar input[type=file]") \
            .send_keys(str(upload))
        status = browser.find_element(By.CSS_SELECTOR, "#tt-upload-status")
        _wait(lambda: "1 dari 1 berkas ditambahkan" in status.text, timeout=180,
              message="upload indexed on the phone")
        item = _wait(lambda: _doc_item(browser, PHONE_DOC), message="listed")
        for box in browser.find_elements(By.CSS_SELECTOR, "#tt-docs input.tt-scope"):
            if box != item.find_element(By.CSS_SELECTOR, "input.tt-scope"):
                browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
                box.click()
        close_panel()
        answer = _ask(browser, ACTIP_Q)  # the starter documents are out of scope
        assert "tidak ditemukan" in answer and ACTIP_SOURCE not in answer, answer
        answer = _ask(browser, PHONE_QUESTION)
        assert "Jawaban singkat: 37" in answer and PHONE_FACT in answer, answer
        open_panel()
        item = _doc_item(browser, PHONE_DOC)
        confirm = _ask_to_delete(browser, item)
        confirm.find_element(By.CSS_SELECTOR, "button.tt-doc-yes").click()
        _wait(lambda: _doc_item(browser, PHONE_DOC) is None, timeout=180,
              message="gone from the panel")
        assert not (server.corpus / PHONE_DOC).exists()
        for box in browser.find_elements(By.CSS_SELECTOR, "#tt-docs input.tt-scope"):
            assert box.is_selected()  # the redrawn list searches every document again
        close_panel()
        assert ACTIP_A in _ask(browser, ACTIP_Q)


TABS_DOC = "catatan-dua-jendela-ambon.txt"
TABS_FACT = ("Pada tahun 2025 Polda Maluku menyelamatkan 23 calon pekerja migran di Pelabuhan "
             "Yos Sudarso Ambon.")
BROKEN_PDF = "laporan-rusak.pdf"
BROKEN_REASON = "dilewati: rusak: tidak bisa dibaca sebagai PDF"


def _skipped_item(driver, source: str):
    """The panel's row of a skipped file (None when it is not listed)."""
    item = _doc_item(driver, source)
    return item if item is not None and "tt-doc-skipped" in item.get_attribute("class") \
        else None


def test_two_windows_follow_each_others_changes_and_a_skipped_file_is_deleted(
        browser, server, tmp_path) -> None:
    """Two windows on the same server: an upload in one (whose build skips a broken PDF
    lying in the corpus) appears in the other's panel without a reload, with the skipped
    file and its reason; deleting the skipped file there (after the confirmation, no
    rebuild) and the document in the first window show in the other window too."""
    from selenium.webdriver.common.by import By

    data = write_pdf(tmp_path / "utuh.pdf", ["Laporan tahunan korban perdagangan orang."]) \
        .read_bytes()
    (server.corpus / BROKEN_PDF).write_bytes(data[:len(data) // 3])  # a real, cut PDF
    upload = tmp_path / TABS_DOC
    upload.write_text(f"Catatan Ambon.\n\n{TABS_FACT}\n", encoding="utf-8")
    first = browser.current_window_handle
    with _viewport(browser, 1280, 800):
        _open(browser, server)
        browser.switch_to.new_window("window")
        second = browser.current_window_handle
        try:
            _open(browser, server, keep=True)
            browser.execute_script("window.__ttSameLoad = true")
            assert _doc_item(browser, TABS_DOC) is None
            assert _skipped_item(browser, BROKEN_PDF) is None

            # Upload in the first window ...
            browser.switch_to.window(first)
            browser.find_element(By.CSS_SELECTOR, "#tt-sidebar input[type=file]") \
                .send_keys(str(upload))
            status = browser.find_element(By.CSS_SELECTOR, "#tt-upload-status")
            _wait(lambda: "1 dari 1 berkas ditambahkan" in status.text, timeout=180,
                  message="upload indexed")
            _wait(lambda: _doc_item(browser, TABS_DOC), message="listed where uploaded")
            # ... the second one shows it, and the skipped PDF with its reason, unreloaded.
            browser.switch_to.window(second)
            _wait(lambda: _doc_item(browser, TABS_DOC), timeout=45,
                  message="the other window lists the upload")
            item = _wait(lambda: _skipped_item(browser, BROKEN_PDF), timeout=45,
                         message="the skipped file listed")
            assert browser.execute_script("return window.__ttSameLoad === true")
            assert BROKEN_REASON in item.text, item.text
            buttons = item.find_elements(By.CSS_SELECTOR, ".tt-doc-actions button")
            assert [b.text for b in buttons] == ["Hapus"]  # no "Indeks ulang": same result
            assert not item.find_elements(By.CSS_SELECTOR, "input.tt-scope")

            # Delete the skipped file in the second window: confirmed, no new generation.
            generation = (server.index / "CURRENT").read_text().strip()
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", item)
            buttons[0].click()
            confirm = item.find_element(By.CSS_SELECTOR, ".tt-doc-confirm")
            _wait(confirm.is_displayed, message="confirmation shown")
            assert confirm.text.startswith(f"Hapus {BROKEN_PDF} dari korpus?"), confirm.text
            time.sleep(0.3)
            _screenshot(browser, "dokumen-dilewati-desktop")
            confirm.find_element(By.CSS_SELECTOR, "button.tt-doc-yes").click()
            _wait(lambda: f"{BROKEN_PDF} dihapus dari korpus." in
                  browser.find_element(By.CSS_SELECTOR, "#tt-doc-status").text,
                  timeout=120, message="skipped file deleted")
            _wait(lambda: _skipped_item(browser, BROKEN_PDF) is None,
                  message="gone from this panel")
            assert not (server.corpus / BROKEN_PDF).exists()
            assert (server.index / "CURRENT").read_text().strip() == generation
            assert _doc_item(browser, TABS_DOC) is not None  # nothing else went

            # The first window drops it too; its delete of the upload reaches the second.
            browser.switch_to.window(first)
            _wait(lambda: _skipped_item(browser, BROKEN_PDF) is None, timeout=45,
                  message="the first window drops the skipped file")
            item = _doc_item(browser, TABS_DOC)
            confirm = _ask_to_delete(browser, item)
            confirm.find_element(By.CSS_SELECTOR, "button.tt-doc-yes").click()
            _wait(lambda: _doc_item(browser, TABS_DOC) is None, timeout=180,
                  message="deleted where asked")
            browser.switch_to.window(second)
            _wait(lambda: _doc_item(browser, TABS_DOC) is None, timeout=45,
                  message="the other window drops the deleted document")
            assert browser.execute_script("return window.__ttSameLoad === true")
            assert _doc_item(browser, ACTIP_SOURCE) is not None
        finally:
            browser.switch_to.window(second)
            browser.close()
            browser.switch_to.window(first)
            (server.corpus / BROKEN_PDF).unlink(missing_ok=True)
    assert not (server.corpus / TABS_DOC).exists()
    assert server.proc.poll() is None


def test_a_rebuild_elsewhere_shows_a_skipped_file_on_a_phone_and_it_is_deleted(
        browser, server, tmp_path) -> None:
    """`rebuild-index` run in a terminal skips a broken PDF: an open page on a phone lists
    it with its reason without a reload; "Hapus" (confirmed) removes it, within 390 px."""
    import sys

    from selenium.webdriver.common.by import By

    with _phone(browser):
        _open(browser, server)
        browser.execute_script("window.__ttSameLoad = true")
        data = write_pdf(tmp_path / "utuh.pdf", ["Laporan korban perdagangan orang."]) \
            .read_bytes()
        (server.corpus / BROKEN_PDF).write_bytes(data[:len(data) // 3])
        try:
            cli = Path(sys.executable).parent / "tanya-trafficking"
            env = {k: v for k, v in os.environ.items() if not k.startswith("TANYA_")}
            done = subprocess.run([str(cli), "rebuild-index", "--corpus", str(server.corpus),
                                   "--index", str(server.index), "--quiet"],
                                  capture_output=True, text=True, timeout=300,
                                  env={**env, "HF_HUB_OFFLINE": "1"})
            assert done.returncode == 0, done.stderr
            browser.execute_script("window.scrollTo(0, 0)")
            browser.find_element(By.CSS_SELECTOR, "button.tt-open-panel").click()
            time.sleep(0.5)  # the panel's slide-in animation
            item = _wait(lambda: _skipped_item(browser, BROKEN_PDF), timeout=45,
                         message="the skipped file listed without a reload")
            assert browser.execute_script("return window.__ttSameLoad === true")
            assert BROKEN_REASON in item.text, item.text
            confirm = _ask_to_delete(browser, item)
            for b in confirm.find_elements(By.CSS_SELECTOR, "button"):
                assert b.rect["x"] >= 0 and b.rect["x"] + b.rect["width"] <= 390, b.rect
            assert browser.execute_script(
                "return document.documentElement.scrollWidth <= window.innerWidth")
            time.sleep(0.3)
            _screenshot(browser, "dokumen-dilewati-ponsel")
            confirm.find_element(By.CSS_SELECTOR, "button.tt-doc-yes").click()
            _wait(lambda: _skipped_item(browser, BROKEN_PDF) is None, timeout=120,
                  message="gone from the panel")
            assert not (server.corpus / BROKEN_PDF).exists()
            assert _doc_item(browser, ACTIP_SOURCE) is not None
        finally:
            (server.corpus / BROKEN_PDF).unlink(missing_ok=True)


def test_password_protected_page(browser, server, tmp_path) -> None:
    """With TANYA_PASSWORD the browser asks with its own login dialog (HTTP Basic): without
    credentials no chat, with them the chat as usual (the 401 page itself is checked over
    HTTP in test_app_security.py)."""
    import base64

    srv = start_app(tmp_path / "sandi", env={"TANYA_PASSWORD": "sandi-uji"},
                    index=server.index)
    try:
        browser.get(srv.url)  # headless Chromium cancels its login dialog: no chat
        time.sleep(1)
        assert not browser.execute_script("return !!document.querySelector('#tt-input')")
        browser.execute_cdp_cmd("Network.enable", {})
        token = base64.b64encode(b"tanya:sandi-uji").decode()
        browser.execute_cdp_cmd("Network.setExtraHTTPHeaders",
                                {"headers": {"Authorization": f"Basic {token}"}})
        _open(browser, srv)
        assert ACTIP_A in _ask(browser, ACTIP_Q)
    finally:
        browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})
        srv.close()


# --------------------------------------------------------------------------- conversation


def _kept(driver) -> bool:
    return driver.execute_script(f"return !!localStorage.getItem({STORAGE_KEY!r})")


def test_conversation_is_kept_across_a_reload_exported_and_cleared(browser, server,
                                                                   tmp_path) -> None:
    from selenium.webdriver.common.by import By

    with _viewport(browser, 1280, 800):
        _open(browser, server)
        assert not _kept(browser)
        _ask(browser, ACTIP_Q)
        _wait(lambda: _kept(browser), message="conversation kept in the browser")
        _open(browser, server, keep=True)
        _wait(lambda: any(ACTIP_A in a for a in _answers(browser)), message="restored")
        questions = browser.execute_script(
            "return Array.from(document.querySelectorAll('#tt-chat .tt-question'))"
            ".map(e => e.innerText)")
        assert questions == [ACTIP_Q]
        assert _finished_answers(browser) == 1  # the sources and buttons came back too
        # The turn behind it came back as well: a follow-up leans on it ...
        follow = _ask(browser, "Kapan itu ditandatangani?")
        assert "2015" in follow and "«Apa kepanjangan dari ACTIP?»" in follow, follow
        time.sleep(0.5)
        _screenshot(browser, "riwayat-desktop")
        # ... and a thumb on the restored answer records it.
        lines_before = (len(server.feedback.read_text("utf-8").splitlines())
                        if server.feedback.exists() else 0)
        browser.find_elements(By.CSS_SELECTOR,
                              "#tt-chat button[aria-label='Jawaban bagus']")[0].click()
        _wait(lambda: server.feedback.exists() and len(
            server.feedback.read_text("utf-8").splitlines()) > lines_before,
            message="feedback on a restored answer")
        record = json.loads(server.feedback.read_text("utf-8").splitlines()[-1])
        assert record["question"] == ACTIP_Q and record["verdict"] == "up"
        # "Ekspor Markdown" downloads the conversation.
        browser.execute_cdp_cmd("Page.setDownloadBehavior",
                                {"behavior": "allow", "downloadPath": str(tmp_path)})
        browser.find_element(By.CSS_SELECTOR, "#tt-export").click()
        exported = _wait(lambda: [p for p in tmp_path.glob("*.md")], message="download")
        assert exported[0].name.startswith("percakapan-tanya-trafficking-")
        text = exported[0].read_text("utf-8")
        assert f"## 1. {ACTIP_Q}" in text and "## 2. Kapan itu ditandatangani?" in text
        assert ACTIP_A in text and f"`{ACTIP_SOURCE}`, tanpa nomor halaman" in text
        # "Hapus riwayat": the chat and the kept copy go; a reload stays empty.
        browser.find_element(By.CSS_SELECTOR, "#tt-clear-history").click()
        _wait(lambda: not _answers(browser) and not _kept(browser), message="history cleared")
        _open(browser, server, keep=True)
        time.sleep(1.5)  # the restore event has run
        assert not _answers(browser)
        assert browser.find_elements(By.CSS_SELECTOR, "#tt-chat button.example")


def test_conversation_is_kept_across_a_server_restart(browser, server, tmp_path) -> None:
    """The key that signs the kept conversation lives in a file beside the index (0600): a
    second run of the server on the same folders and port restores what the first kept."""
    root = tmp_path / "neustart"
    first = start_app(root, index=server.index)
    try:
        key = first.index / ".conversation-key"
        assert key.is_file() and key.stat().st_mode & 0o777 == 0o600
        _open(browser, first)
        _ask(browser, ACTIP_Q)
        _wait(lambda: _kept(browser), message="conversation kept in the browser")
    finally:
        first.close()
    second = start_app(root, port=first.port)  # same folders, same origin
    try:
        _open(browser, second, keep=True)
        _wait(lambda: any(ACTIP_A in a for a in _answers(browser)),
              message="restored after the restart")
        follow = _ask(browser, "Kapan itu ditandatangani?")  # the turn behind it came back too
        assert "2015" in follow and f"«{ACTIP_Q}»" in follow, follow
    finally:
        second.close()


def test_an_unknown_address_shows_an_indonesian_page(browser, server) -> None:
    """A malformed source-viewer address (and any unknown one) is an Indonesian 404 page with
    a way back to the chat, on a desktop and on a phone."""
    from selenium.webdriver.common.by import By

    for name, viewport in (("404-desktop", _viewport(browser, 1280, 800)),
                           ("404-ponsel", _phone(browser))):
        with viewport:
            browser.get(server.url + "sumber/bukan-alamat")
            heading = _wait(lambda: browser.find_elements(By.TAG_NAME, "h1"), message="404")
            assert heading[0].text == "Halaman tidak ditemukan"
            assert browser.execute_script("return document.documentElement.lang") == "id"
            assert "Not Found" not in browser.page_source
            assert not _english_words(_visible_strings(browser))
            # Narrower than the screen: nothing is cut off on a phone.
            assert browser.execute_script(
                "return document.documentElement.scrollWidth <= window.innerWidth")
            _screenshot(browser, name)
    browser.find_element(By.LINK_TEXT, "Kembali ke web chat").click()
    _wait(lambda: browser.execute_script(
        "return !!document.querySelector('#tt-input textarea')"), message="back to the chat")


def test_send_on_an_empty_box_does_nothing_and_the_box_counts_down(browser, server) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _open(browser, server)
    box = browser.find_element(By.CSS_SELECTOR, "#tt-input textarea")
    limit = int(box.get_attribute("maxlength"))
    browser.find_element(By.CSS_SELECTOR, "#tt-send").click()
    box.send_keys("   ")
    box.send_keys(Keys.ENTER)
    time.sleep(2)
    assert browser.execute_script(
        "return document.querySelectorAll('#tt-chat .message').length") == 0
    assert browser.find_elements(By.CSS_SELECTOR, "#tt-chat button.example")  # still empty
    note = lambda: browser.execute_script(  # noqa: E731
        "return document.querySelector('#tt-limit').innerText.trim()")
    box.clear()
    box.send_keys("a" * (limit // 2))
    time.sleep(0.8)
    assert note() == ""  # far from the limit: nothing shown
    box.send_keys("b" * (limit // 2 - 40))
    _wait(lambda: note() == "Sisa 40 karakter", message="characters remaining")
    # A paste longer than what is left: cut by the box, and said so.
    box.clear()
    browser.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": server.url.rstrip("/"),
        "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    browser.execute_script("return navigator.clipboard.writeText(arguments[0])",
                           "kata " * (limit // 4))
    box.click()
    box.send_keys(Keys.CONTROL, "v")
    _wait(lambda: "terlalu panjang" in note(), message="note on a too long paste")
    assert len(box.get_attribute("value")) == limit
    assert note().startswith(f"Teks yang ditempel terlalu panjang: hanya {limit:,}"
                             .replace(",", "."))
    assert not _english_words([note()])


def test_tab_goes_through_the_chat_before_the_side_panel(browser, server) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _open(browser, server)
    _ask(browser, ACTIP_Q)
    # From the page's start (the header): Tab, reading document.activeElement each time.
    browser.find_element(By.CSS_SELECTOR, "#tt-header h1").click()
    seen = []
    for _ in range(40):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        seen.append(browser.execute_script("""
            const a = document.activeElement;
            if (a.closest('#tt-sidebar')) return 'panel';
            if (a.closest('#tt-chat')) return 'chat';
            if (a.closest('#tt-input')) return 'input';
            return a.id || a.tagName;"""))
        if seen[-1] == "panel":
            break
    order = list(dict.fromkeys(seen))  # first time each was reached
    assert order[:7] == ["chat", "input", "tt-send", "tt-new", "tt-clear-history",
                         "tt-export", "panel"], seen
    assert "tt-sources" in browser.execute_script(  # the sources are reachable in the chat
        "return Array.from(document.querySelectorAll('#tt-chat summary'))"
        ".map(s => s.parentElement.className).join(' ')")


def test_empty_index_invites_an_upload(browser, tmp_path) -> None:
    from selenium.webdriver.common.by import By

    empty = tmp_path / "korpus-kosong"
    empty.mkdir()
    srv = start_app(tmp_path / "kosong", corpus=empty)
    try:
        with _viewport(browser, 1280, 800):
            browser.get(srv.url)
            _wait(lambda: browser.execute_script(
                "return window.__ttReady === true && "
                "!!document.querySelector('#tt-docs .tt-docs')"),
                message="page loaded")
            chat = browser.find_element(By.CSS_SELECTOR, "#tt-chat")
            _wait(lambda: "Belum ada dokumen untuk ditanyakan" in chat.text,
                  message="empty state")
            assert "Unggah dokumen PDF, TXT atau MD" in chat.text
            assert not browser.find_elements(By.CSS_SELECTOR, "#tt-chat button.example")
            assert "Belum ada dokumen." in browser.find_element(By.CSS_SELECTOR, "#tt-docs").text
            assert not _english_words(_visible_strings(browser))
            _screenshot(browser, "kosong-desktop")
        # An upload builds the first index: then an example about that document.
        doc = tmp_path / "laporan-nelayan.txt"
        doc.write_text("Laporan Lapangan Kampung Nelayan.\n\n" + PDF_FACT + "\n", "utf-8")
        browser.find_element(By.CSS_SELECTOR, "#tt-sidebar input[type=file]") \
            .send_keys(str(doc))
        status = browser.find_element(By.CSS_SELECTOR, "#tt-upload-status")
        _wait(lambda: "1 dari 1 berkas ditambahkan" in status.text, timeout=240,
              message="first document indexed")
        example = _wait(lambda: [b for b in browser.find_elements(
            By.CSS_SELECTOR, "#tt-chat button.example")
            if "Apa isi utama dokumen laporan-nelayan.txt?" in b.text],
            message="an example about the uploaded document")
        assert len(browser.find_elements(By.CSS_SELECTOR, "#tt-chat button.example")) == 1
        assert "Belum ada dokumen untuk ditanyakan" not in chat.text
        example[0].click()
        _wait(lambda: _finished_answers(browser) == 1, message="example answered")
        assert "37 korban" in _ask(browser, PDF_QUESTION)
    finally:
        srv.close()


# --------------------------------------------------------------------------- source viewer

SOURCE_PDF_NAME = "laporan-awak-kapal.pdf"
SOURCE_PDF_FACT = ("Pada tahun 2025 Lembaga Pelindung Pesisir mencatat 52 awak kapal asal Desa "
                   "Karangjati yang dipekerjakan paksa di kapal penangkap cumi.")
SOURCE_PDF_QUESTION = "Berapa awak kapal asal Desa Karangjati yang dipekerjakan paksa?"

# Pixels of the shown page image that the highlight turned yellow (red and green high, blue
# low): counted on a canvas, and where they are, in the image's own pixels.
HIGHLIGHT_PIXELS_JS = """
const img = arguments[0];
const c = document.createElement('canvas');
c.width = img.naturalWidth; c.height = img.naturalHeight;
const g = c.getContext('2d'); g.drawImage(img, 0, 0);
const d = g.getImageData(0, 0, c.width, c.height).data;
let n = 0, x0 = 1e9, y0 = 1e9, x1 = -1, y1 = -1;
for (let i = 0; i < d.length; i += 4) {
  if (d[i] > 150 && d[i + 1] > 120 && d[i] - d[i + 2] > 80) {
    n++; const p = i / 4, x = p % c.width, y = Math.floor(p / c.width);
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
  }
}
return [n, x0, y0, x1, y1, c.width, c.height];
"""


def _viewer_open(driver) -> bool:
    return driver.execute_script(
        "const v = document.querySelector('#tt-viewer'); return !!v && !v.hidden")


def _open_last_citation(driver, keyboard: bool = False):
    """Click (or focus and press Enter on) the [1] of the latest answer; the viewer opens."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    answer = driver.find_elements(By.CSS_SELECTOR, "#tt-chat .tt-answer")[-1]
    link = answer.find_element(By.CSS_SELECTOR, "blockquote.tt-quote a.tt-cite")
    assert link.tag_name == "a" and link.get_attribute("href")
    assert "Lihat sumber kutipan 1" in link.get_attribute("textContent")
    if keyboard:
        driver.execute_script("arguments[0].focus()", link)
        ActionChains(driver).send_keys(Keys.ENTER).perform()
    else:
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
        link.click()
    _wait(lambda: _viewer_open(driver), message="source viewer opens")
    return link


def _close_button_on_screen(driver) -> bool:
    return driver.execute_script("""
        const b = document.querySelector('#tt-viewer button.tt-viewer-close');
        const r = b.getBoundingClientRect();
        return r.width >= 40 && r.height >= 40 && r.left >= 0 && r.top >= 0
          && r.right <= window.innerWidth && r.bottom <= window.innerHeight
          && document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)
               .closest('button') === b;""")


def _check_pdf_page_shown(driver) -> None:
    from selenium.webdriver.common.by import By

    img = _wait(lambda: [i for i in driver.find_elements(
        By.CSS_SELECTOR, "#tt-viewer img.tt-page-image")
        if driver.execute_script("return arguments[0].complete && "
                                 "arguments[0].naturalWidth > 0", i)],
        message="page image loaded")[0]
    content = driver.find_element(By.CSS_SELECTOR, "#tt-viewer .tt-viewer-content").text
    assert f"{SOURCE_PDF_NAME} · halaman 2" in content, content
    assert "Kutipan ditandai kuning" in content, content
    assert SOURCE_PDF_FACT in content.replace("\n", " ")  # the quote's text under the page
    assert img.get_attribute("alt") == f"Halaman 2 dari {SOURCE_PDF_NAME}, kutipan ditandai kuning"
    count, x0, y0, x1, y1, width, height = driver.execute_script(HIGHLIGHT_PIXELS_JS, img)
    assert count > 2000, count  # the quote's two lines are highlighted ...
    assert y1 < height / 4 and x1 - x0 > width / 2, (x0, y0, x1, y1)  # ... near the top
    assert _close_button_on_screen(driver)


def test_source_of_a_pdf_quote_shows_its_page_with_the_quote_highlighted(
        browser, server, tmp_path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    pdf = write_pdf(tmp_path / SOURCE_PDF_NAME,
                    ["Laporan Tahunan Lembaga Pelindung Pesisir. Bagian pertama berisi "
                     "pengantar dan ucapan terima kasih kepada para mitra.",
                     SOURCE_PDF_FACT + " Mereka kini didampingi oleh pekerja sosial desa."])
    _open(browser, server)
    browser.find_element(By.CSS_SELECTOR, "#tt-sidebar input[type=file]").send_keys(str(pdf))
    status = browser.find_element(By.CSS_SELECTOR, "#tt-upload-status")
    _wait(lambda: f"{SOURCE_PDF_NAME}: ditambahkan" in status.text, timeout=180,
          message="PDF indexed")
    # Desktop: click [1], see page 2 with the quote highlighted, close with Esc.
    answer = _ask(browser, SOURCE_PDF_QUESTION)
    assert "52 awak kapal" in answer, answer
    link = _open_last_citation(browser)
    _check_pdf_page_shown(browser)
    time.sleep(0.3)
    _screenshot(browser, "sumber-pdf-desktop")
    assert browser.execute_script(
        "return document.activeElement.classList.contains('tt-viewer-close')")
    browser.find_element(By.CSS_SELECTOR, "body").send_keys(Keys.ESCAPE)
    _wait(lambda: not _viewer_open(browser), message="Esc closes the viewer")
    assert browser.execute_script("return document.activeElement === arguments[0]", link)
    # The image route serves only this index's documents: an unknown id or page is a 404.
    assert server.get("/sumber/0123456789abcdef/2/0-10.png")[0] == 404
    href = link.get_attribute("href")
    path = href[len(server.url) - 1:]
    status_, headers, _ = server.get(path + ".png")
    assert status_ == 200 and headers["Content-Type"] == "image/png"
    wrong_page = re.sub(r"/2/", "/7/", path)
    assert server.get(wrong_page + ".png")[0] == 404
    # Phone: the same, closed with its "Tutup" button.
    with _phone(browser):
        _open(browser, server)
        _ask(browser, SOURCE_PDF_QUESTION)
        _open_last_citation(browser)
        _check_pdf_page_shown(browser)
        assert browser.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth")
        time.sleep(0.3)
        _screenshot(browser, "sumber-pdf-ponsel")
        browser.find_element(By.CSS_SELECTOR, "#tt-viewer button.tt-viewer-close").click()
        _wait(lambda: not _viewer_open(browser), message="Tutup closes the viewer")


def test_source_of_a_text_quote_marks_it_in_its_passage(browser, server) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, server)
    _ask(browser, ACTIP_Q)
    _open_last_citation(browser, keyboard=True)  # a real link: Tab and Enter reach it
    mark = _wait(lambda: browser.find_element(By.CSS_SELECTOR, "#tt-viewer mark.tt-in-source"),
                 message="passage shown")
    assert ACTIP_A in mark.text
    content = browser.find_element(By.CSS_SELECTOR, "#tt-viewer .tt-viewer-content")
    assert ACTIP_SOURCE in content.text and "tanpa nomor halaman" in content.text
    assert len(content.text) > len(mark.text) + 500  # the document around the quote
    # The quote is scrolled into view inside the viewer.
    assert browser.execute_script("""
        const m = arguments[0].getBoundingClientRect(), c = arguments[1].getBoundingClientRect();
        return m.top >= c.top - 1 && m.bottom <= c.bottom + 1 && m.height > 0;""",
                                  mark, content)
    assert _close_button_on_screen(browser)
    browser.find_element(By.CSS_SELECTOR, "#tt-viewer button.tt-viewer-close").click()
    _wait(lambda: not _viewer_open(browser), message="Tutup closes the viewer")
    # "Lihat bagian sekitarnya" is still there.
    assert browser.find_elements(By.CSS_SELECTOR, "#tt-chat details.tt-passage > summary")


@pytest.fixture(scope="module", autouse=True)
def _no_temporary_screenshots():
    yield
    if not KEEP_SCREENSHOTS:
        shutil.rmtree(SCREENSHOTS, ignore_errors=True)
        return
    for leftover in SCREENSHOTS.glob("*.tmp.png"):
        leftover.unlink()


def test_screenshots_were_saved() -> None:
    for name in ("desktop-jawaban", "desktop-unggah", "desktop-unggah-kemajuan", "ponsel-jawaban",
                 "ponsel-panel", "riwayat-desktop", "kosong-desktop", "gelap-desktop",
                 "dokumen-desktop", "dokumen-ponsel", "sumber-pdf-desktop", "sumber-pdf-ponsel",
                 "404-desktop", "404-ponsel",
                 "dokumen-dilewati-desktop", "dokumen-dilewati-ponsel"):
        path = SCREENSHOTS / f"{name}.png"
        assert path.is_file() and path.stat().st_size > 10_000, path
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

