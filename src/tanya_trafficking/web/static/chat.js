() => {
  document.documentElement.setAttribute('lang', 'id');
  if (window.__tt) return;
  window.__tt = true;

  // Gradio writes a few accessibility labels in English whatever the locale: translate them.
  // The words come from ui_text.PAGE_SCRIPT_TEXT (web/page.py puts them in place of the name).
  const T = __TT_TEXT__;
  const exact = T.exact;
  const patterns = T.patterns.map(([src, rep]) => [new RegExp(src), rep]);
  const ATTRS = ['aria-label', 'title', 'placeholder', 'alt'];
  const translate = (v) => {
    if (exact[v]) return exact[v];
    for (const [re, rep] of patterns) if (re.test(v)) return v.replace(re, rep);
    return null;
  };
  // Notices are titled with their English level name ("Info", "Error"...); a few of Gradio's
  // own notices ("Connection Lost") have English messages too.
  const titles = Object.assign({}, T.titles, T.messages);
  const TOAST = '.toast-title, [data-testid="toast-body"]';
  const fixTitles = (root) => {
    const scope = root.closest && root.closest(TOAST) ? [root.closest(TOAST)]
      : (root.querySelectorAll ? root.querySelectorAll(TOAST) : []);
    for (const el of scope) {
      const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let node = walk.nextNode(); node; node = walk.nextNode()) {
        const t = node.nodeValue.trim();
        if (t && titles[t]) node.nodeValue = node.nodeValue.replace(t, titles[t]);
      }
    }
  };
  const fix = (root) => {
    if (root.nodeType === 3) root = root.parentElement;
    if (!root || !root.querySelectorAll) return;
    fixTitles(root);
    const els = [root, ...root.querySelectorAll('[aria-label],[title],[placeholder],[alt]')];
    for (const el of els) for (const a of ATTRS) {
      const v = el.getAttribute && el.getAttribute(a);
      if (!v) continue;
      const n = translate(v);
      if (n !== null && n !== v) el.setAttribute(a, n);
    }
  };
  fix(document.body);
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'childList') for (const n of r.addedNodes) fix(n);
      else fix(r.target);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true,
                             attributes: true, attributeFilter: ATTRS});

  // Only .pdf, .txt and .md in the file dialog (the server checks the content anyway).
  const accept = () => {
    const input = document.querySelector('#tt-sidebar input[type=file]');
    if (input) {
      input.setAttribute('accept', '.pdf,.txt,.md,application/pdf,text/plain,text/markdown');
    }
    return !!input;
  };
  if (!accept()) {
    let n = 0;
    const t = setInterval(() => { if (accept() || ++n > 50) clearInterval(t); }, 200);
  }

  // On a phone the side panel covers the page: start with it closed, unless the user has
  // already opened it with the header's button (a quick tap must not be undone).
  let panelTouched = false;
  if (window.matchMedia('(max-width: 768px)').matches) {
    let n = 0;
    const t = setInterval(() => {
      if (panelTouched) { clearInterval(t); return; }
      const open = document.querySelector('#tt-sidebar.open .toggle-button');
      if (open) { open.click(); clearInterval(t); } else if (++n > 50) clearInterval(t);
    }, 100);
  }

  // The header's "Dokumen & unggah" button (phones) opens the side panel; it never closes
  // it (the panel may still be open from the page's first drawing).
  document.addEventListener('click', (ev) => {
    if (!(ev.target.closest && ev.target.closest('button.tt-open-panel'))) return;
    panelTouched = true;
    if (document.querySelector('#tt-sidebar.open')) return;
    const toggle = document.querySelector('#tt-sidebar .toggle-button');
    if (toggle) toggle.click();
  });

  // "Salin jawaban": copy the answer and its sources as plain text.
  document.addEventListener('click', async (ev) => {
    const btn = ev.target.closest && ev.target.closest('button.tt-copy');
    if (!btn) return;
    ev.preventDefault();
    const holder = btn.parentElement && btn.parentElement.querySelector('.tt-copy-text');
    const text = holder ? Array.from(holder.children).map((l) => l.textContent).join('\n') : '';
    let ok = false;
    try { await navigator.clipboard.writeText(text); ok = true; } catch (e) {
      const area = document.createElement('textarea');
      area.value = text; area.style.position = 'fixed'; area.style.left = '-9999px';
      document.body.appendChild(area); area.select();
      try { ok = document.execCommand('copy'); } catch (e2) { ok = false; }
      area.remove();
    }
    btn.textContent = ok ? T.copied : T.copy_failed;
    btn.setAttribute('data-copied', ok ? 'ya' : 'tidak');
    setTimeout(() => { btn.textContent = T.copy; }, 2000);
  });

  // ---- The question box's limit (ui_text.INPUT_LIMIT_TEXT): near the limit, how many
  // characters remain; a pasted text that the box cuts gets a note instead of a silent cut.
  const L = __TT_LIMIT_TEXT__;
  const num = (n) => n.toLocaleString('id-ID');
  const NEAR = 0.8;  // the count shows from this share of the limit on
  let pastedTooLong = false;
  const showLimit = () => {
    const box = document.querySelector('#tt-input textarea');
    const out = document.querySelector('#tt-limit .tt-limit-text');
    if (!box || !out) return;
    const limit = box.maxLength > 0 ? box.maxLength : 0;
    const len = box.value.length;
    let text = '';
    if (limit && pastedTooLong) text = L.pasted.replace('{limit}', num(limit));
    else if (limit && len >= limit) text = L.full.replace('{limit}', num(limit));
    else if (limit && len >= NEAR * limit) text = L.remaining.replace('{n}', num(limit - len));
    if (out.textContent !== text) out.textContent = text;
    out.classList.toggle('tt-limit-warn', !!limit && (pastedTooLong || len >= limit));
  };
  document.addEventListener('paste', (ev) => {
    const box = ev.target.closest && ev.target.closest('#tt-input textarea');
    if (!box || !(box.maxLength > 0)) return;
    const pasted = (ev.clipboardData && ev.clipboardData.getData('text')) || '';
    const kept = box.value.length - (box.selectionEnd - box.selectionStart);
    pastedTooLong = kept + pasted.length > box.maxLength;
    setTimeout(showLimit, 0);
  }, true);
  document.addEventListener('input', (ev) => {
    if (!(ev.target.closest && ev.target.closest('#tt-input textarea'))) return;
    if (ev.inputType !== 'insertFromPaste') pastedTooLong = false;
    showLimit();
  }, true);
  // The box is emptied by the page after a question is sent: the note goes with it.
  setInterval(() => {
    const box = document.querySelector('#tt-input textarea');
    if (box && !box.value) pastedTooLong = false;
    showLimit();
  }, 500);
  // ---- Documents panel: search scope, "Indeks ulang", "Hapus" (after an in-page confirmation).
  // The checked documents go into the hidden #tt-scope box, which every question sends along:
  // "" while all are checked (every document, also ones added later), else a JSON list. An
  // action goes into the hidden #tt-doc-action box, then the hidden #tt-doc-run button runs it.
  // The list names documents by their percent-encoded source (web/render.py).
  const unchecked = new Set();  // sources the user unchecked, kept when the list is redrawn
  const setBox = (id, value) => {
    const el = document.querySelector(`#${id} textarea, #${id} input`);
    if (!el) return false;
    if (el.value !== value) {
      el.value = value;
      el.dispatchEvent(new Event('input', {bubbles: true}));
    }
    return true;
  };
  const scopeBoxes = () => Array.from(document.querySelectorAll('#tt-docs input.tt-scope'));
  const syncScope = () => {
    const boxes = scopeBoxes();
    for (const b of boxes) b.checked = !unchecked.has(b.value);
    const chosen = boxes.filter((b) => b.checked).map((b) => decodeURIComponent(b.value));
    setBox('tt-scope', chosen.length === boxes.length ? '' : JSON.stringify(chosen));
  };
  document.addEventListener('change', (ev) => {
    const box = ev.target.closest && ev.target.closest('#tt-docs input.tt-scope');
    if (!box) return;
    if (box.checked) unchecked.delete(box.value); else unchecked.add(box.value);
    syncScope();
  });
  // The list drawn last (its root and its documents): a redrawn or changed list gets the
  // scope again. Gradio may patch the list in place, so its documents are compared too.
  let docsRoot = null, docsKey = null;
  new MutationObserver(() => {
    const root = document.querySelector('#tt-docs .tt-docs');
    if (!root) return;
    const boxes = scopeBoxes();
    const key = boxes.map((b) => b.value).join('\n');
    if (root === docsRoot && key === docsKey) return;
    docsRoot = root; docsKey = key;
    // Every listed document unchecked by the user (the checked ones were deleted): search
    // every document again, rather than none.
    if (boxes.length && boxes.every((b) => unchecked.has(b.value))) unchecked.clear();
    syncScope();
  }).observe(document.body, {subtree: true, childList: true});
  const runAction = (action, source) => {
    if (!setBox('tt-doc-action', JSON.stringify({action, source}))) return;
    // the box's new value reaches Gradio on its input event; the click follows it
    setTimeout(() => {
      const run = document.querySelector('#tt-doc-run');
      if (run) run.click();
    }, 60);
  };
  document.addEventListener('click', (ev) => {
    const btn = ev.target.closest && ev.target.closest('#tt-docs li.tt-doc button');
    if (!btn) return;
    ev.preventDefault();
    const item = btn.closest('li.tt-doc');
    const ask = item.querySelector('.tt-doc-confirm');
    const actions = item.querySelector('.tt-doc-actions');
    if (btn.classList.contains('tt-doc-delete')) {
      ask.hidden = false; actions.hidden = true;
      item.querySelector('.tt-doc-no').focus();
    } else if (btn.classList.contains('tt-doc-no')) {
      ask.hidden = true; actions.hidden = false;
      item.querySelector('.tt-doc-delete').focus();
    } else if (btn.classList.contains('tt-doc-yes')) {
      ask.hidden = true; item.classList.add('tt-busy');
      runAction('hapus', decodeURIComponent(item.getAttribute('data-source')));
    } else if (btn.classList.contains('tt-doc-reindex')) {
      item.classList.add('tt-busy');
      runAction('indeks-ulang', decodeURIComponent(item.getAttribute('data-source')));
    }
  });
  // --- The source viewer: a click on a quote's [n] (a link to "sumber/...", pageview.py)
  // shows the quote where it stands, in a dialog: the HTML the server renders for it (a PDF
  // page drawn with the quote highlighted, or a text file's passage with the quote marked).
  // Esc, the "Tutup" button and a click beside the dialog close it; focus returns to [n].
  const V = __TT_VIEWER_TEXT__;
  let viewer = null;
  let opener = null;
  const closeViewer = () => {
    if (!viewer || viewer.hidden) return;
    viewer.hidden = true;
    viewer.querySelector('.tt-viewer-content').replaceChildren();
    if (opener && document.contains(opener)) opener.focus();
    opener = null;
  };
  const makeViewer = () => {
    // Inside Gradio's container: the page's style sheet (chat.css) is scoped to it.
    const root = document.querySelector('.gradio-container') || document.body;
    viewer = document.createElement('div');
    viewer.id = 'tt-viewer';
    viewer.hidden = true;
    const backdrop = document.createElement('div');
    backdrop.className = 'tt-viewer-backdrop';
    const box = document.createElement('div');
    box.className = 'tt-viewer-box';
    box.setAttribute('role', 'dialog');
    box.setAttribute('aria-modal', 'true');
    box.setAttribute('aria-labelledby', 'tt-viewer-title');
    const head = document.createElement('div');
    head.className = 'tt-viewer-head';
    const title = document.createElement('h2');
    title.id = 'tt-viewer-title';
    title.textContent = V.title;
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'tt-viewer-close';
    close.textContent = V.close;
    const content = document.createElement('div');
    content.className = 'tt-viewer-content';
    content.tabIndex = 0;
    head.append(title, close);
    box.append(head, content);
    viewer.append(backdrop, box);
    backdrop.addEventListener('click', closeViewer);
    close.addEventListener('click', closeViewer);
    root.appendChild(viewer);
  };
  const openViewer = async (link) => {
    if (!viewer) makeViewer();
    opener = link;
    const content = viewer.querySelector('.tt-viewer-content');
    const note = document.createElement('p');
    note.className = 'tt-viewer-note';
    note.setAttribute('role', 'status');
    note.textContent = V.loading;
    content.replaceChildren(note);
    viewer.hidden = false;
    viewer.querySelector('.tt-viewer-close').focus();
    let html = null;
    try {
      const r = await fetch(link.href, {credentials: 'same-origin'});
      if ((r.headers.get('content-type') || '').startsWith('text/html')) html = await r.text();
    } catch (e) { html = null; }
    if (viewer.hidden || opener !== link) return;
    if (html === null) { note.textContent = V.failed; return; }
    content.innerHTML = html;  // this server's own escaped HTML (web/templates/source_view.html)
    content.scrollTop = 0;
    const mark = content.querySelector('mark.tt-in-source');
    if (mark) mark.scrollIntoView({block: 'center'});
  };
  document.addEventListener('click', (ev) => {
    const link = ev.target.closest && ev.target.closest('a.tt-cite');
    if (!link || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
    ev.preventDefault();
    ev.stopPropagation();
    openViewer(link);
  }, true);
  document.addEventListener('keydown', (ev) => {
    if (!viewer || viewer.hidden) return;
    if (ev.key === 'Escape') { ev.preventDefault(); closeViewer(); return; }
    if (ev.key !== 'Tab') return;
    // Keep the keyboard inside the dialog while it is open.
    const items = Array.from(viewer.querySelectorAll('button, [href], [tabindex="0"]'));
    const first = items[0], last = items[items.length - 1];
    if (ev.shiftKey && document.activeElement === first) { ev.preventDefault(); last.focus(); }
    else if (!ev.shiftKey && document.activeElement === last) { ev.preventDefault(); first.focus(); }
    else if (!viewer.contains(document.activeElement)) { ev.preventDefault(); first.focus(); }
  }, true);
}
