"""Indonesian text for users: every string the program shows a user, in one place.
Translators and reviewers read this file, not the code that shows the strings.

Grouped by where a string shows: the web page, the chat (answers, refused questions), the
documents panel, uploads, the server's refusals, Gradio's own strings, the command line (and
the console of ``serve``), index problems, the ``check-index`` report, files skipped when the
corpus is read, the evaluation report, and the words for system errors and numbers. The web
page's HTML templates are ``web/templates/*.html``, its style and script the package data files
``web/static/chat.css`` and ``web/static/chat.js`` (its words: ``PAGE_SCRIPT_TEXT``, put in as
JSON by ``web/page.py``) and ``web/static/head.html`` (its description: ``PAGE_DESCRIPTION``).

Strings holding ``{...}`` are ``str.format`` templates; the names say what goes in. Strings
marked ``# HTML`` hold markup and go into the page unescaped; every other one is escaped.
Report lines (``BUILD_*``, ``CHECK_*``, ``EVAL_*``, ``REBUILD_CORPUS*``) pad their label to
one width so that the values line up; keep the padding when translating.

What is not here: log messages for operators (they stay beside the code that logs), messages
of exceptions that no user sees, identifiers, and click's ``help=`` texts and command
docstrings (click's way: beside their options, in ``cli.py``).

This module imports nothing from the package: every other module may use it.
"""

from __future__ import annotations

import errno

# --------------------------------------------------------------------------- the page

TITLE = "Tanya Trafficking"
TAGLINE = ("Tanya jawab tentang perdagangan orang (human trafficking) di Asia Tenggara. "
           "Jawaban berupa kutipan persis dari dokumen, bukan pendapat.")
ABOUT = (
    "**Tanya Trafficking** menjawab pertanyaan tentang **perdagangan orang (human "
    "trafficking) di Asia Tenggara** dan upaya ASEAN menanggulanginya (ACTIP, prinsip "
    "non-intervensi, angka kasus) dari dokumen yang terdaftar di panel ini.\n\n"
    "Setiap jawaban adalah **kutipan persis** dokumen — bukan pendapat dan bukan karangan "
    "mesin — lengkap dengan nama berkas dan halamannya. Bila dokumen tidak memuat jawabannya, "
    "bot mengatakan *tidak ditemukan* dan hanya menunjukkan bagian yang mungkin terkait.\n\n"
    "Tombol jempol di bawah setiap jawaban menyimpan pertanyaan, jawaban dan penilaian Anda "
    "untuk mengevaluasi dan memperbaiki bot."
)
EXAMPLES = [
    "Apa kepanjangan dari ACTIP?",
    "Berapa jumlah kasus human trafficking pada tahun 2023?",
    "Mengapa ASEAN gagal menanggulangi human trafficking?",
    "Apa yang dimaksud dengan rumah aman?",
]
MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember"]

SIDEBAR_LABEL = "Panel dokumen"
DOCUMENTS_HEADING = "## Dokumen terindeks"
ADD_DOCUMENTS_HEADING = "### Tambah dokumen"
UPLOAD_BUTTON = "Pilih berkas untuk diunggah"
UPLOAD_NOTE = ("PDF, TXT atau MD; paling besar {max_mb} MB per berkas, {max_files} berkas sekali "
               "unggah. Setelah diindeks, dokumen langsung bisa ditanyakan.")
ABOUT_LABEL = "Tentang"
OPEN_PANEL_BUTTON = "Dokumen &amp; unggah"  # HTML
CHAT_LABEL = "Percakapan"
CHAT_PLACEHOLDER = ("<div class='tt-placeholder'><strong>Ajukan pertanyaan tentang "
                    "perdagangan orang di Asia Tenggara.</strong><br>Jawaban berupa "
                    "kutipan dokumen beserta sumbernya. Coba salah satu contoh:</div>")  # HTML
INPUT_LABEL = "Pertanyaan"
INPUT_PLACEHOLDER = "Tulis pertanyaan Anda, lalu tekan Enter…"
SEND_BUTTON = "Kirim"
NEW_CHAT_BUTTON = "Percakapan baru"

# ---- the conversation kept in the browser, its export, the empty state and the question
# box's limit (web/page.py, web/service.py, web/static/chat.js)
CHAT_EMPTY_PLACEHOLDER = ("<div class='tt-placeholder tt-empty'><strong>Belum ada dokumen "
                          "untuk ditanyakan.</strong><br>Unggah dokumen PDF, TXT atau MD lewat "
                          "panel dokumen (tombol <em>Pilih berkas untuk diunggah</em>). Setelah "
                          "diindeks, dokumen langsung bisa ditanyakan di sini.</div>")  # HTML
NO_DOCUMENTS_ANSWER = ("Belum ada dokumen yang bisa ditanyakan. Unggah dokumen PDF, TXT atau MD "
                       "lewat panel dokumen terlebih dahulu.")
EXAMPLE_ABOUT_DOCUMENT = "Apa isi utama dokumen {name}?"
SERVE_EMPTY_CORPUS = ("Korpus {corpus} belum berisi dokumen yang bisa dibaca; web chat dibuka "
                      "kosong. Dokumen yang diunggah lewat halaman web langsung diindeks.")
CLEAR_HISTORY_BUTTON = "Hapus riwayat"
HISTORY_CLEARED = "Riwayat percakapan dihapus dari peramban ini."
HISTORY_CLEARED_TITLE = "Riwayat dihapus"
EXPORT_BUTTON = "Ekspor Markdown"
EXPORT_FILENAME = "percakapan-tanya-trafficking-{stamp}.md"
# The exported Markdown file (``service.conversation_markdown``).
EXPORT_TITLE = "Percakapan Tanya Trafficking"
EXPORT_TIME = "Diekspor {time}."
EXPORT_QUESTION = "## {n}. {question}"
EXPORT_EMPTY = "Belum ada pertanyaan dalam percakapan ini."
# The question box's limit (chat.js): {n} and {limit} are numbers written the Indonesian way.
INPUT_LIMIT_TEXT = {
    "remaining": "Sisa {n} karakter",
    "full": "Batas {limit} karakter tercapai",
    "pasted": ("Teks yang ditempel terlalu panjang: hanya {limit} karakter pertama yang masuk. "
               "Silakan persingkat pertanyaannya."),
}

# --------------------------------------------------------------------------- answers

THINKING = "Mencari di dokumen…"
LEAD_FOUND = "Menurut dokumen:"
SHORT_ANSWER = "Jawaban singkat:"
LEAD_NOT_FOUND = ("Maaf, jawaban atas pertanyaan itu <strong>tidak ditemukan dalam "
                  "dokumen</strong>.")  # HTML
LEAD_RELATED = "Bagian yang mungkin terkait:"
# Shown above an answer whose search also used the previous question (a follow-up).
FOLLOW_UP_NOTE = ("Pertanyaan lanjutan: memakai konteks dari pertanyaan sebelumnya: "
                  "«{previous}»")
SOURCES_TITLE = "Sumber"
RELATED_SOURCES_TITLE = "Sumber bagian terkait"
PAGE = "halaman {page}"
NO_PAGE = "tanpa nomor halaman"
SEE_PASSAGE = "Lihat bagian sekitarnya"
COPY_BUTTON = "Salin jawaban"
ANSWER_ERROR = "Maaf, terjadi galat saat mencari jawaban. Silakan coba lagi sebentar lagi."
FEEDBACK_THANKS = "Terima kasih! Penilaian Anda disimpan untuk mengevaluasi bot."
FEEDBACK_TITLE = "Umpan balik tersimpan"

# The answer as plain text (``Answer.text``: the CLI's ``ask``): LEAD_FOUND and LEAD_RELATED above,
# and these. ``«quote» [n]`` and ``[n] source`` carry no words and stay in ``answering.render``.
TEXT_SHORT_ANSWER = "Jawaban singkat: {short}"
TEXT_NOT_FOUND = "Maaf, jawaban atas pertanyaan itu tidak ditemukan dalam dokumen."
TEXT_SOURCES = "Sumber:"
TEXT_SOURCE_PAGE = "{file}, hlm. {page}"

# A question that is not asked (the chat and the CLI's ``ask``; ``pipeline.check_question``).
QUESTION_EMPTY = ("Pertanyaannya masih kosong. Silakan tulis pertanyaan tentang perdagangan "
                  "orang.")
QUESTION_NO_WORDS = ("Pertanyaannya belum berisi kata. Silakan tulis pertanyaan tentang "
                     "perdagangan orang.")
QUESTION_TOO_LONG = ("Pertanyaannya terlalu panjang ({length} karakter; paling banyak {limit}). "
                     "Silakan persingkat pertanyaannya.")

# --------------------------------------------------------------------------- documents panel

UNKNOWN_TIME = "waktu tidak diketahui"
DATE_TIME = "{day} {month} {year}, {hour:02d}.{minute:02d} UTC"
DOC_META = "{pages} halaman · {chunks} bagian teks"
NO_DOCUMENTS = "Belum ada dokumen."
SKIPPED_FILES = "{count} berkas dilewati"
BUILT_AT = "Indeks terakhir dibangun"
TOTALS = "{documents} dokumen · {pages} halaman · {chunks} bagian teks"

# --------------------------------------------------------------------------- documents: actions

# The panel's rows (web/templates/documents.html): when a document was added, its actions,
# the in-page confirmation before deleting, and the search scope's checkboxes.
DOC_ADDED = "ditambahkan {time}"
DOC_SCOPE_HINT = "Centang dokumen tempat jawaban dicari."
DOC_SCOPE_LABEL = "Cari jawaban di {name}"
DOC_REINDEX_BUTTON = "Indeks ulang"
DOC_DELETE_BUTTON = "Hapus"
DOC_CONFIRM_DELETE = "Hapus {name} dari korpus dan indeks?"
DOC_CONFIRM_YES = "Ya, hapus"
DOC_CONFIRM_NO = "Batal"
# A question asked with no document, or unknown documents, in its scope (chat, /tanya, CLI).
SCOPE_NONE = ("Tidak ada dokumen yang dipilih. Centang sedikitnya satu dokumen di panel "
              "dokumen, lalu tanyakan lagi.")
SCOPE_UNKNOWN = "Dokumen tidak dikenal: {names}. Dokumen yang ada: {known}."
# Deleting and re-indexing one document (``documents.py``), with their progress.
DOC_DELETING = "Menghapus {name}"
DOC_REINDEXING = "Membaca ulang {name}"
DOC_REBUILDING = "Membangun indeks"
DOC_DELETED = "{name} dihapus dari korpus dan indeks."
DOC_DELETE_FAILED = "{name} tidak dihapus: {problem}."
DOC_DELETE_LAST = ("{name} tidak dihapus: ini dokumen terakhir, dan indeks butuh sedikitnya "
                   "satu dokumen.")
DOC_REINDEXED = "{name} diindeks ulang: {pages} halaman, {chunks} bagian teks."
DOC_REINDEX_FAILED = "{name} tidak diindeks ulang: {problem}."
DOC_REINDEX_SKIPPED = "{name} tidak bisa dibaca lagi ({reason}); dokumen ini keluar dari indeks."
DOC_NOT_INDEXED = "dokumen ini tidak ada di indeks (mungkin sudah dihapus)"
DOC_FILE_MISSING = "berkasnya tidak ada lagi di korpus"
DOC_REBUILD_BUSY = "pembaruan indeks lain sedang berjalan; coba lagi sebentar lagi"
DOC_SERVER_ERROR = "indeks gagal dibangun karena kesalahan di server"
DOC_WAITING = "Menunggu perubahan dokumen lain selesai"
DOC_FAILED = ("Pembaruan indeks gagal karena kesalahan di server; dokumen tidak berubah. "
              "Coba lagi, atau beri tahu pengelola.")
DOC_CRASHED = "Proses pembaruan indeks berhenti tiba-tiba; dokumen tidak berubah."
DOC_TIMED_OUT = "Pembaruan indeks melewati batas waktu; dokumen tidak berubah."
DOC_ACTION_UNKNOWN = "Tindakan tidak dikenal."
# Files the last index build skipped, in the documents panel: listed with their reason, and
# deleted without touching the index (documents.py).
DOC_SKIPPED_REASON = "dilewati: {reason}"
DOC_CONFIRM_DELETE_SKIPPED = "Hapus {name} dari korpus?"
DOC_SKIPPED_DELETED = "{name} dihapus dari korpus."
# A delete that was cut off (the server stopped mid-way), finished at the next index build.
LOG_DELETE_UNDONE = ("Penghapusan {name} terputus sebelum indeks diperbarui; berkasnya "
                     "dikembalikan ke korpus.")
LOG_DELETE_FINISHED = "Penghapusan {name} yang terputus diselesaikan: salinan sisanya dihapus."
LOG_DELETE_NOT_RECOVERED = "Sisa penghapusan {name} tidak bisa dibereskan: {reason}."

# --------------------------------------------------------------------------- uploads

PROGRESS_LABEL = "Kemajuan pengindeksan"
UPLOAD_WAITING = "Menunggu unggahan lain selesai diindeks"
UPLOAD_PREPARING = "Menyiapkan pengindeksan"
UPLOAD_LOADING = "Memuat indeks baru"
DOC_CHANGE_DONE = "Selesai"  # the last step of a delete or re-index (documents.py)
UPLOAD_CRASHED = "Proses pengindeksan berhenti tiba-tiba; dokumen tidak ditambahkan."
UPLOAD_TIMED_OUT = "Pengindeksan melewati batas waktu; dokumen tidak ditambahkan."
UPLOAD_FAILED = ("Pengindeksan gagal karena kesalahan di server; dokumen tidak ditambahkan. "
                 "Coba lagi, atau beri tahu pengelola.")
UPLOAD_NONE_CHOSEN = "Tidak ada berkas yang dipilih."
UPLOAD_ADDED = "{added} dari {total} berkas ditambahkan dan sudah bisa ditanyakan."
UPLOAD_NONE_ADDED = "Tidak ada berkas yang ditambahkan."

# Progress while an upload is indexed (``uploads.add_to_corpus``).
UPLOAD_WAITING_REBUILD = "Menunggu pembaruan indeks lain selesai"

# What happened to one uploaded file, shown beside its name (``uploads.py``). A file the corpus
# reader refuses shows its REASON_* (files skipped, below).
UPLOAD_WRONG_TYPE = "jenis berkas tidak didukung; hanya PDF, TXT dan MD"
UPLOAD_EMPTY = "berkas kosong"
UPLOAD_NOT_PDF = "bukan PDF: isinya bukan dokumen PDF, walau namanya berakhiran .pdf"
UPLOAD_PDF_AS_TEXT = "isinya PDF, bukan teks; ubah akhiran namanya menjadi .pdf"
UPLOAD_BINARY = "bukan berkas teks (isinya biner); unggah PDF, TXT atau MD"
UPLOAD_OVER_LIMIT = "tidak diproses: paling banyak {max_files} berkas sekali unggah"
UPLOAD_DUPLICATE = "sudah ada di korpus dengan isi yang sama ({name})"
UPLOAD_SAVED = "ditambahkan sebagai {name}"
UPLOAD_SAVED_PAGES = "ditambahkan sebagai {name} ({pages} halaman)"
UPLOAD_REBUILD_BUSY = "pembaruan indeks lain sedang berjalan; coba unggah lagi sebentar lagi"
UPLOAD_INDEX_FAILED = "indeks gagal dibangun ({problem}); dokumen tidak ditambahkan"
UPLOAD_SERVER_ERROR = ("indeks gagal dibangun karena kesalahan di server; dokumen tidak "
                       "ditambahkan")
# The corpus name of an uploaded file whose name has no usable characters left.
UPLOAD_DEFAULT_NAME = "dokumen"

# --------------------------------------------------------------------------- the server

QUEUE_FULL = ("Antrean penuh: terlalu banyak pertanyaan sedang diproses. Silakan coba lagi "
              "sebentar lagi.")
NOT_FOUND = "Tidak ditemukan."
# The page behind a 404 for a browser (web/templates/not_found.html); API clients get NOT_FOUND.
NOT_FOUND_TITLE = "Halaman tidak ditemukan"
NOT_FOUND_PAGE_TEXT = ("Alamat ini tidak ada di Tanya Trafficking. Mungkin tautannya salah ketik "
                       "atau sudah tidak berlaku.")
NOT_FOUND_BACK = "Kembali ke web chat"
METHOD_NOT_ALLOWED = "Alamat ini tidak menerima permintaan dengan metode itu."
SERVER_ERROR = ("Permintaan ini tidak bisa diproses. Periksa nama dan nilai parameternya "
                "(lihat bagian API di README).")
FOREIGN_ORIGIN = "Permintaan dari situs lain ditolak."
TOO_LARGE = "Permintaan terlalu besar. Pertanyaan paling banyak 1.000 karakter."
UPLOAD_TOO_LARGE = ("Berkas terlalu besar: paling besar {max_mb} MB per berkas, "
                    "{max_files} berkas sekali unggah.")
FILE_NOT_UPLOADED = ("Berkas ditolak: hanya berkas yang diunggah lewat tombol unggah di "
                     "halaman ini yang diterima.")
LOGIN_THROTTLED = ("Terlalu banyak percobaan kata sandi yang salah. Coba lagi dalam "
                   "{seconds} detik.")

# --------------------------------------------------------------------------- Gradio's own

# Gradio's own strings (its locale files, by key) that this page can show, in Indonesian. Gradio
# picks its locale from the browser's language; these replace its strings in every locale, so
# a browser set to English (or French) still gets an Indonesian page.
GRADIO_STRINGS = {
    "blocks.connection_can_break": "Di ponsel, koneksi bisa terputus bila tab ini tidak aktif "
                                   "atau perangkat tidur, dan posisi Anda di antrean hilang.",
    "blocks.long_requests_queue": "Antrean permintaan sedang panjang. Mohon tunggu sebentar.",
    "blocks.lost_connection": "Koneksi terputus karena halaman ditinggalkan. Bergabung "
                              "kembali ke antrean…",
    "blocks.waiting_for_inputs": "Menunggu berkas selesai diunggah, silakan coba lagi.",
    "chatbot.edit": "Ubah",
    "chatbot.retry": "Coba lagi",
    "chatbot.undo": "Urungkan",
    "chatbot.submit": "Kirim",
    "chatbot.cancel": "Batal",
    "chatbot.like": "Jawaban bagus",
    "chatbot.dislike": "Jawaban kurang tepat",
    "chatbot.clear": "Bersihkan percakapan",
    "chatbot.complete": "Selesai",
    "chatbot.copy_message": "Salin pesan",
    "chatbot.copied_message": "Pesan tersalin",
    "common.built_with": "dibuat dengan",
    "common.built_with_gradio": "Dibuat dengan Gradio",
    "common.clear": "Bersihkan",
    "common.close": "Tutup",
    "common.download": "Unduh",
    "common.download_all": "Unduh semua",
    "common.edit": "Ubah",
    "common.empty": "Kosong",
    "common.error": "Galat",
    "common.hosted_on": "Berjalan di",
    "common.loading": "Memuat",
    "common.or": "atau",
    "common.remove": "Hapus",
    "common.settings": "Pengaturan",
    "common.share": "Bagikan",
    "common.submit": "Kirim",
    "common.undo": "Urungkan",
    "common.language": "Bahasa",
    "common.display_theme": "Tema tampilan",
    "common.progress": "Kemajuan",
    "common.run": "Jalankan",
    "errors.build_error": "ada galat saat membangun aplikasi",
    "errors.config_error": "ada galat konfigurasi",
    "errors.contact_page_author": "Mohon hubungi pengelola halaman ini.",
    "errors.no_app_file": "berkas aplikasi tidak ada",
    "errors.runtime_error": "ada galat saat berjalan",
    "errors.space_not_working": "Aplikasi tidak berjalan karena {0}",
    "errors.space_paused": "aplikasi sedang dijeda",
    "errors.use_via_api": "Gunakan lewat API",
    "file.uploading": "Mengunggah…",
    "login.enable_cookies": "Aktifkan cookie untuk masuk.",
    "login.incorrect_credentials": "Nama pengguna atau kata sandi salah",
    "login.username": "nama pengguna",
    "login.password": "kata sandi",
    "login.login": "Masuk",
    "status.queue_position": "Dalam antrean: {position} dari {size}",
    "upload_text.click_to_upload": "Klik untuk mengunggah",
    "upload_text.drop_file": "Letakkan berkas di sini",
    "upload_text.paste_clipboard": "Tempel dari papan klip",
}
# The page script (web/static/chat.js) gets these as one JSON object: Gradio writes a few
# accessibility labels, notice titles and messages in English whatever the locale (``exact``:
# whole labels; ``patterns``: [JavaScript regex source, replacement]), and the copy button's states.
PAGE_DESCRIPTION = "Tanya jawab tentang perdagangan orang di Asia Tenggara, dijawab dengan kutipan."
PAGE_SCRIPT_TEXT = {
    "exact": {"chatbot conversation": "Percakapan",
              "Toggle Sidebar": "Buka atau tutup panel dokumen", "Close": "Tutup",
              "Clear": "Bersihkan", "Loading": "Memuat", "Remove": "Hapus",
              # a thumb once clicked (Gradio's words, not its translatable ones)
              "Liked": "Dinilai bagus", "Disliked": "Dinilai kurang tepat"},
    "patterns": [[r"^Select example (\d+): ([\s\S]*)$", "Pilih contoh $1: $2"],
                 [r"^bot's message: [\s\S]*$", "Jawaban bot"],
                 [r"^user's message: [\s\S]*$", "Pertanyaan Anda"]],
    "titles": {"Info": "Informasi", "Success": "Berhasil", "Warning": "Perhatian",
               "Error": "Galat", "Connection Lost": "Koneksi terputus"},
    # notices Gradio writes in English whatever the locale (whole texts)
    "messages": {"Connection to the server was lost. Attempting reconnection...":
                 "Koneksi ke server terputus. Mencoba menyambung kembali…"},
    "copied": "Tersalin ✓",
    "copy_failed": "Gagal menyalin",
    "copy": COPY_BUTTON,
}
PASSWORD_PAGE_TEXT = ("Web chat ini memakai kata sandi. Muat ulang halaman, lalu masukkan nama "
                      "pengguna <code>tanya</code> dan kata sandinya.")  # HTML: <code> is kept

# --- the source viewer: a click on [n] shows quote n where it stands (pageview.py) ---------
CITE_LABEL = "Lihat sumber kutipan {n}"  # the [n] link's accessible name (hidden text)
SOURCE_VIEWER_TITLE = "Sumber kutipan"
SOURCE_VIEWER_CLOSE = "Tutup"
SOURCE_IMAGE_ALT = "Halaman {page} dari {file}, kutipan ditandai kuning"
SOURCE_IMAGE_ALT_PLAIN = "Halaman {page} dari {file}"
SOURCE_QUOTE_LABEL = "Kutipan:"
SOURCE_OPEN_IMAGE = "Buka gambar halaman (bisa diperbesar)"
SOURCE_MARKED_NOTE = "Kutipan ditandai kuning pada halaman."
SOURCE_NOT_LOCATED = ("Letak kutipan pada halaman ini tidak bisa ditandai; teks kutipannya ada "
                      "di bawah.")
SOURCE_PAGE_PROBLEM = "Halaman ini tidak bisa ditampilkan ({reason})."
SOURCE_NOT_IN_INDEX = "dokumen ini tidak ada di indeks yang sedang dipakai"
SOURCE_CHANGED = "berkasnya sudah berubah sejak diindeks"
SOURCE_GONE = ("Sumber ini tidak ada di indeks yang sedang dipakai (mungkin indeks baru saja "
               "diperbarui). Ajukan pertanyaannya lagi.")
SOURCE_ERROR = "Maaf, sumber ini tidak bisa ditampilkan sekarang. Silakan coba lagi sebentar lagi."
# The page script's words for the viewer (web/static/chat.js, its "source viewer" section).
SOURCE_SCRIPT_TEXT = {
    "title": SOURCE_VIEWER_TITLE,
    "close": SOURCE_VIEWER_CLOSE,
    "loading": "Memuat sumber…",
    "failed": "Sumber tidak bisa dimuat. Periksa koneksi lalu coba lagi.",
    "cite": CITE_LABEL,
}

GRADIO_LOCALES = ("ar", "ca", "ckb", "de", "en", "es", "et", "eu", "fa", "fi", "fr", "he", "hi",
                  "id", "ja", "ko", "lt", "nb", "nl", "pl", "pt-BR", "pt", "ro", "ru", "sv",
                  "ta", "th", "tr", "uk", "ur", "uz", "zh-CN", "zh-TW")


# --------------------------------------------------------------------------- the command line

CLI_ERROR = "Galat: {message}"
CLI_NO_CORPUS = "folder korpus {corpus} tidak ada."
CLI_HELP_OPTION = "Tampilkan bantuan ini lalu keluar."
CORPUS_EMPTY = ("korpus {corpus} belum berisi dokumen yang bisa dibaca ({skipped} berkas "
                "dilewati). Letakkan berkas .txt, .md atau .pdf di sana, lalu coba lagi.")
CLI_TOP_K = "--top-k harus bilangan bulat 1 sampai {limit}, bukan {value}."
CLI_STDIN_UNREADABLE = "pertanyaan dari masukan standar tidak bisa dibaca sebagai teks UTF-8."
CLI_REBUILD_FAILED = "pembaruan indeks gagal ({reason}: {path}). Indeks lama tetap dipakai."
# Which corpus ``rebuild-index`` reads (``pipeline.corpus_to_rebuild``).
REBUILD_CORPUS = "Korpus          : {corpus}"
REBUILD_CORPUS_RECORDED = ("Korpus          : {corpus} (tercatat di indeks; --corpus untuk "
                           "folder lain)")

# The report of a rebuild (``BuildReport.summary``: ``rebuild-index``, ``serve``); each skipped
# file follows BUILD_SKIPPED as "  - name: reason".
BUILD_UNCHANGED = ("Tidak ada perubahan: korpus, model dan pengaturan sama dengan indeks "
                   "{generation}; indeks tidak dibangun ulang.")
BUILD_FILES = "Berkas diindeks : {files}"
BUILD_FILES_REUSED = "Berkas diindeks : {files} ({reused} tidak berubah, tidak dibaca ulang)"
BUILD_PAGES = "Halaman         : {pages}"
BUILD_CHUNKS = "Bagian teks     : {chunks} ({embedded} baru diolah)"
BUILD_SKIPPED = "Berkas dilewati : {count}"
BUILD_TIME = "Waktu           : {seconds:.1f} detik"

# The console of ``serve`` (``web/server.py``, ``web/service.py``, ``web/sessions.py``).
SERVE_RUNNING = "Tanya Trafficking berjalan di http://{host}:{port}"
SERVE_RUNNING_PASSWORD = "Tanya Trafficking berjalan di http://{host}:{port} (dengan kata sandi)"
SERVE_REBUILDING = "Indeks tidak bisa dipakai ({problem}); membangun ulang."
SERVE_NEW_GENERATION = "Generasi indeks baru dipakai: {generation} (sebelumnya {previous})"
SERVE_SWEEP_FAILED = "Pembersihan sesi gagal ({error}); dicoba lagi."
SERVE_STOPPED = "Server dihentikan."

# --------------------------------------------------------------------------- index problems

# Why an index cannot be used or written (``store.py``, ``pipeline.py``): the CLI prints them
# after CLI_ERROR, the web app's console at start. {command} is the repair command.
INDEX_MISSING = "Indeks belum ada di {index}. Jalankan: {command}"
INDEX_CORRUPT = "Indeks rusak di {index}: {problems}. Jalankan: {command}"
INDEX_OUTDATED = ("Indeks di {index} memakai format lama (versi {version}); versi program ini "
                  "memakai format {expected}. Bangun ulang indeksnya dengan: {command}")
INDEX_OTHER_MODEL = ("Indeks di {index} dibuat dengan model '{built_with}', sedangkan pengaturan "
                     "sekarang memakai '{model}'. Bangun ulang indeksnya dengan: {command}")
INDEX_BUSY = ("Pembaruan indeks lain sedang berjalan di {index}. Tunggu sampai selesai, lalu "
              "coba lagi.")
INDEX_WRITE_FAILED = ("Indeks baru tidak bisa ditulis ke {index}: {problem}. Indeks lama tetap "
                      "dipakai. {advice}: {command}")
INDEX_DISK_FULL = "disk penuh"
INDEX_FREE_DISK = "Kosongkan ruang disk, lalu jalankan ulang"
INDEX_FIX_PROBLEM = "Perbaiki masalahnya, lalu jalankan ulang"
RECORDED_CORPUS_MISSING = ("folder korpus yang tercatat di indeks ({corpus}) tidak ada. Sebutkan "
                           "folder korpusnya: {command}")
READER_MISSING = ("bobot pembaca jawaban ({reader}) tidak ada atau tidak cocok dengan model e5 "
                  "yang terpasang. Jalankan: make train-reader, atau pakai bawaannya "
                  "(TANYA_READER=e5-reader).")

# What is wrong with one generation or one of its files (joined into INDEX_CORRUPT, listed by
# ``check-index``).
NO_GENERATION = "tidak ada satu pun generasi indeks di folder itu"
INDEX_FILE_DAMAGED = "isi berkas indeks rusak atau tidak lengkap"
POINTER_MISSING = "berkas penunjuk {pointer} tidak ada"
POINTER_UNREADABLE = "berkas penunjuk {pointer} tidak bisa dibaca ({reason})"
POINTER_NOT_TEXT = "berkas penunjuk {pointer} rusak (isinya bukan teks)"
POINTER_EMPTY = "berkas penunjuk {pointer} kosong"
POINTER_NOT_A_NAME = 'berkas penunjuk {pointer} rusak (isinya bukan nama generasi: "{shown}")'
POINTER_MANY_NAMES = "berkas penunjuk {pointer} rusak (berisi lebih dari satu nama)"
ACTIVE_MANIFEST_UNREADABLE = "manifest generasi aktif {generation} tidak bisa dibaca"
GENERATION_MISSING = "{generation}: folder generasi tidak ada"
MANIFEST_MISSING = "{generation}: manifest.json tidak ada"
MANIFEST_UNREADABLE = "{generation}: manifest.json tidak bisa dibaca ({reason})"
MANIFEST_NOT_JSON = "{generation}: manifest.json rusak (bukan JSON yang sah)"
MANIFEST_NOT_OBJECT = "{generation}: manifest.json rusak (bukan objek JSON)"
MANIFEST_NO_CHECKSUMS = "{generation}: manifest tanpa checksum"
MANIFEST_NO_OWN_CHECKSUM = "manifest.json: checksum manifest tidak ada (berkas rusak atau diubah)"
FILE_NOT_RECORDED = "{file}: tidak tercatat di manifest"
FILE_MISSING = "{file}: berkas hilang"
FILE_UNREADABLE = "{file}: tidak bisa dibaca ({reason})"
FILE_CHECKSUM_MISMATCH = "{file}: checksum tidak cocok (berkas rusak atau diubah)"
VECTOR_COUNT_MISMATCH = ("{generation}: data pencarian untuk {vectors} bagian teks, padahal "
                         "ada {chunks} bagian teks")

# Whether the index matches the corpus, model and settings (``pipeline.index_status``).
INDEX_MATCHES = "indeks cocok dengan korpus dan model"
STALE_NO_INDEX = "indeks belum ada"
STALE_OLD_FORMAT = "format indeks lama"
STALE_OTHER_MODEL = "indeks dibuat dengan model lain"
STALE_CHUNKING = "pengaturan pembagian teks berubah"
STALE_READING = "aturan pembacaan dokumen berubah"
STALE_CORPUS = "isi korpus berubah"
# `ask` and `eval` on an index that no longer matches its corpus (standard error).
INDEX_STALE_NOTE = ("Catatan: indeks tidak cocok lagi dengan korpus ({reason}); jawaban diambil "
                    "dari indeks yang ada. Perbarui dengan: {command}")

# --------------------------------------------------------------------------- check-index

# The report of ``check-index`` (``pipeline.check_index``); each problem follows its line as
# "  - problem".
CHECK_NO_INDEX = "TIDAK OK: indeks belum ada di {index}.\nJalankan: {command}"
CHECK_GENERATION = "Generasi aktif : {generation}"
CHECK_GENERATION_UNUSABLE = "Generasi aktif : (tidak bisa dipakai: {problem})"
CHECK_CHECKSUM_OK = "Checksum       : OK"
CHECK_CHECKSUM_DAMAGED = "Checksum       : RUSAK"
CHECK_COUNTS = "Jumlah         : {documents} dokumen, {pages} halaman, {chunks} bagian teks"
CHECK_COUNT_MISMATCH = "jumlah bagian teks tidak sesuai manifest"
CHECK_LOAD_FAILED = "Muat indeks    : GAGAL ({reason})"
CHECK_NOT_LOADED = "tidak bisa dimuat: {reason}"
CHECK_CORPUS = "Korpus         : {corpus}"
CHECK_CORPUS_RECORDED = "Korpus         : {corpus} (tercatat di indeks)"
CHECK_FALLBACK_INTACT = "Cadangan       : {generation} (utuh, dipakai sebagai cadangan)"
CHECK_FALLBACK_DAMAGED = "Cadangan       : {generation} (RUSAK juga)"
CHECK_NO_FALLBACK = "Cadangan       : tidak ada generasi lain"
CHECK_NOT_COMPARED = "Korpus & model : tidak diperiksa (generasi aktif rusak)"
CHECK_MATCH = "Korpus & model : OK ({reason})"
CHECK_MISMATCH = "Korpus & model : TIDAK COCOK ({reason})"
CHECK_RESULT_OK = "Hasil          : OK"
CHECK_RESULT_BAD = "Hasil          : TIDAK OK. Jalankan: {command}"

# --------------------------------------------------------------------------- files skipped

# Why a corpus file (or an upload) is not indexed (``loaders.py``): shown in the rebuild report,
# the documents panel and the upload report. Every reason starts with one of "kosong", "rusak",
# "terenkripsi", "tidak ada lapisan teks", "tidak bisa dibaca", "tautan", "bukan berkas biasa",
# "terlalu besar" or "terlalu banyak halaman".
REASON_EMPTY = "kosong: tidak ada teks"
REASON_ENCRYPTED = "terenkripsi: butuh kata sandi"
REASON_NO_CRYPTO = "terenkripsi: pustaka dekripsinya belum terpasang (pasang pypdf[crypto])"
REASON_NO_TEXT = "tidak ada lapisan teks, perlu OCR"
REASON_BROKEN = "rusak: tidak bisa dibaca sebagai PDF"
REASON_NOT_PDF = "rusak: bukan berkas PDF"
REASON_NOT_TEXT = "rusak: bukan berkas teks (isinya data biner)"
REASON_NESTED = "rusak: struktur PDF bersarang terlalu dalam"
REASON_LIMIT = "rusak: isi PDF melewati batas ukuran (kemungkinan bom dekompresi)"
REASON_STRUCTURE = "rusak: struktur PDF melewati batas pembaca (terlalu banyak unsur)"
REASON_TOO_BIG = "rusak: pembacaan PDF melewati batas memori"
REASON_PDF_TIMEOUT = "rusak: pembacaan PDF melewati batas waktu {seconds:g} detik"
REASON_PDF_STUCK = "rusak: pembacaan PDF macet (satu langkah lebih dari {seconds:g} detik)"
REASON_PDF_KILLED = "rusak: pembaca PDF dihentikan paksa (sinyal {signal})"
REASON_PDF_DIED = "rusak: pembaca PDF berhenti tanpa hasil (kode keluar {code})"
REASON_UNREADABLE = "tidak bisa dibaca ({reason})"
REASON_LINK_OUTSIDE = "tautan keluar dari folder korpus, tidak diikuti"
REASON_LINK_BROKEN = "tautan rusak: tujuannya tidak ada"
REASON_LINK_LOOP = "tautan berputar: menunjuk ke dirinya sendiri atau ke folder di atasnya"
REASON_LINK_REPEAT = "tautan ke folder yang sudah dibaca lewat tautan lain, tidak diikuti lagi"
REASON_NOT_REGULAR = "bukan berkas biasa (pipa, perangkat atau soket), tidak dibaca"
REASON_FILE_TOO_BIG = "terlalu besar: {size}, batas {limit}"  # megabytes() below
REASON_TOO_MANY_PAGES = "terlalu banyak halaman: {pages}, batas {limit}"  # number() below

# --------------------------------------------------------------------------- evaluation report

# The CLI's ``eval`` (``evaluate.format_report``): the metric lines between these keep their
# English names (recall@k, mrr@10, answer_hit, ...), padded to the same width.
EVAL_QUESTIONS = ("Pertanyaan      : {total} ({answerable} bisa dijawab, {unanswerable} "
                  "tidak)")
EVAL_SHORT_ANSWER = "jawaban singkat : EM {em:.3f}, F1 {f1:.3f}"
EVAL_LATENCY = "latensi p50/p95 : {p50:.0f} / {p95:.0f} ms"
EVAL_WRONG = "Yang salah ({count}):"
EVAL_THRESHOLD = ("\nAmbang yang disarankan: {threshold} (false_abstain {false_abstain:.3f}, "
                  "abstain_recall {abstain_recall:.3f})")
# What went wrong with one question (``evaluate.judge``).
EVAL_FALSE_ABSTAIN = "abstain padahal ada jawaban"
EVAL_QUOTE_MISSES = "kutipan tidak memuat jawaban"
EVAL_FALSE_ANSWER = "menjawab padahal tidak ada jawaban"
# ``eval --plot``.
PLOT_RECALL_TITLE = "Recall@k (bagian teks yang memuat jawaban)"
PLOT_ANSWERABLE = "bisa dijawab"
PLOT_UNANSWERABLE = "tidak bisa dijawab"
PLOT_THRESHOLD = "ambang {threshold:.2f}"
PLOT_CONFIDENCE = "keyakinan jawaban"
PLOT_QUESTIONS = "jumlah pertanyaan"
PLOT_SCORES_TITLE = "Sebaran skor dan ambang abstain"


# Warnings the CLI and the server print on standard error (logging): a user reads them too.
LOG_GENERATION = "Generasi indeks {name}"
LOG_POINTER_CURRENT = "Penunjuk CURRENT"
LOG_FALLBACK = "{what} tidak bisa dipakai: {problem}. Memakai generasi {gen}."
LOG_PREVIOUS_UNTIDY = "PREVIOUS tidak bisa dirapikan ({reason})."
LOG_NEW_INDEX_NOT_LOADED = "Indeks baru belum bisa dimuat ({problem}); generasi lama tetap dipakai."
LOG_CONVERSATION_KEY_UNUSABLE = ("Kunci percakapan {path} tidak bisa dipakai ({problem}); "
                                 "memakai kunci baru untuk sementara: riwayat percakapan yang "
                                 "disimpan peramban tidak dipulihkan.")
KEY_FILE_DAMAGED = "isinya bukan kunci yang sah"

# --------------------------------------------------------------------------- system errors

MODEL_UNAVAILABLE = ("model bahasa '{model}' tidak bisa dimuat: tidak ada di komputer ini, "
                     "dan hub Hugging Face tidak terjangkau atau tidak mengenalnya. Pakai model "
                     "bawaan (hapus --model / TANYA_MODEL, atau isi e5-onnx) atau folder model "
                     "sentence-transformers di disk.")

# What an OSError means, in words for users (never Python's English ``strerror``): used by the
# loaders (a corpus file), the store (an index file) and the CLI.
OS_REASONS = {
    errno.ENOENT: "berkasnya tidak ada", errno.EACCES: "tidak ada izin",
    errno.EPERM: "tidak ada izin", errno.EISDIR: "berupa folder, bukan berkas",
    errno.ENOTDIR: "jalurnya bukan folder", errno.ENOSPC: "disk penuh",
    errno.EDQUOT: "kuota disk habis", errno.EROFS: "sistem berkas hanya bisa dibaca",
    errno.EIO: "galat baca/tulis perangkat", errno.ELOOP: "tautan simbolik berputar",
    errno.ENAMETOOLONG: "nama terlalu panjang", errno.EMFILE: "terlalu banyak berkas terbuka",
    errno.EBUSY: "sedang dipakai",
}
OS_REASON_CODE = "galat sistem berkas {code}"
OS_REASON_OTHER = "galat sistem berkas"


def os_reason(error: OSError) -> str:
    """An OSError in Indonesian words."""
    if error.errno in OS_REASONS:
        return OS_REASONS[error.errno]
    code = errno.errorcode.get(error.errno) if isinstance(error.errno, int) else None
    return OS_REASON_CODE.format(code=code) if code else OS_REASON_OTHER


# --------------------------------------------------------------------------- numbers


def number(n: int) -> str:
    """An integer the Indonesian way: 12.345 (a dot between thousands)."""
    return f"{n:,}".replace(",", ".")


def megabytes(n: int) -> str:
    """A size in bytes as megabytes the Indonesian way: 20 MB, 20,5 MB (a decimal comma)."""
    return f"{n / 2**20:.1f}".removesuffix(".0").replace(".", ",") + " MB"


# --------------------------------------------------------------------------- build progress

# One line of progress of an index build or an upload (``progress.py``): the web chat's upload
# status and the lines ``rebuild-index`` / ``serve`` print while building. {done} and {total}
# count pages, chunks or files.
PROGRESS_CHECK = "Memeriksa {name}"
PROGRESS_CHECK_PAGES = "Memeriksa {name}: halaman {done} dari {total}"
PROGRESS_READ = "Membaca {name} (berkas {item} dari {items})"
PROGRESS_READ_PAGES = "Membaca {name} (berkas {item} dari {items}): halaman {done} dari {total}"
PROGRESS_MODEL = "Memuat model bahasa"
PROGRESS_EMBED = "Mengolah bagian teks: {done} dari {total}"
PROGRESS_WRITE = "Menulis indeks"
PROGRESS_LOAD = "Memuat indeks baru"
PROGRESS_ETA = "sisa sekitar {time}"
PROGRESS_SECONDS = "{n} detik"
PROGRESS_MINUTES = "{n} menit"
PROGRESS_MINUTES_SECONDS = "{m} menit {s} detik"
PROGRESS_LINE = "[{pct:3d}%] {text}"  # a line ``rebuild-index`` prints (standard error)
PROGRESS_LINE_ETA = "[{pct:3d}%] {text}, {eta}"


# --------------------------------------------------------------------------- click's own words

# The words click itself prints around our help texts and in its usage errors (its gettext
# message ids -> Indonesian; ``cli.speak_indonesian``). A message missing here stays click's
# English, so tests/test_cli.py checks the help of every command and the usual usage errors.
CLICK_TEXT = {
    "Usage:": "Pemakaian:",
    "Options": "Opsi",
    "Commands": "Perintah",
    "Positional arguments": "Argumen",
    "Show this message and exit.": CLI_HELP_OPTION,
    "Error: {message}": CLI_ERROR,
    "Try '{command} {option}' for help.": "Coba '{command} {option}' untuk bantuan.",
    "Aborted!": "Dibatalkan.",
    "deprecated": "usang",
    "default: {default}": "bawaan: {default}",
    "env var: {var}": "variabel lingkungan: {var}",
    "(dynamic)": "(dinamis)",
    "Missing command.": "Perintahnya belum disebut.",
    "Missing argument": "Kurang argumen",
    "Missing option": "Kurang opsi",
    "Missing parameter": "Kurang parameter",
    "Missing {param_type}": "Kurang {param_type}",
    "Missing parameter: {param_name}": "Kurang parameter: {param_name}",
    "No such option {name!r}.": "Tidak ada opsi {name!r}.",
    "No such option: {name}": "Tidak ada opsi: {name}",
    "No such command {name!r}.": "Tidak ada perintah {name!r}.",
    "Did you mean {possibility}?": "Maksud Anda {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Maksud Anda salah satu dari: {possibilities}?)",
    "Invalid value: {message}": "Nilai tidak sah: {message}",
    "Invalid value for {param_hint}: {message}": "Nilai tidak sah untuk {param_hint}: {message}",
    "{value!r} is not a valid {number_type}.": "{value!r} bukan bilangan yang sah.",
    "{value} is not in the range {range}.": "{value} di luar rentang {range}.",
    "{value!r} is not {choice}.": "{value!r} bukan {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} bukan salah satu dari {choices}.",
    "Choose from:\n\t{choices}": "Pilih dari:\n\t{choices}",
    "Option {name!r} does not take a value.": "Opsi {name!r} tidak menerima nilai.",
    "Option {name!r} requires an argument.": "Opsi {name!r} memerlukan nilai.",
    "Option {name!r} requires {nargs} arguments.": "Opsi {name!r} memerlukan {nargs} nilai.",
    "Argument {name!r} takes {nargs} values.": "Argumen {name!r} menerima {nargs} nilai.",
    "Takes {nargs} values but 1 was given.": "Menerima {nargs} nilai, tetapi diberi 1.",
    "Takes {nargs} values but {len} were given.": "Menerima {nargs} nilai, tetapi diberi {len}.",
    "Got unexpected extra argument ({args})": "Ada argumen lebih yang tidak dikenal ({args})",
    "Got unexpected extra arguments ({args})": "Ada argumen lebih yang tidak dikenal ({args})",
    "Value must be an iterable.": "Nilainya harus berupa daftar.",
    "file": "berkas",
    "directory": "folder",
    "path": "jalur",
    "{name} {filename!r} does not exist.": "{name} {filename!r} tidak ada.",
    "{name} {filename!r} is a file.": "{name} {filename!r} adalah berkas.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} adalah folder.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} tidak bisa dibaca.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} tidak bisa ditulisi.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} tidak bisa dijalankan.",
    "Could not open file {filename!r}: {message}":
        "Berkas {filename!r} tidak bisa dibuka: {message}",
}
# The placeholders of click's usage line ("Pemakaian: tanya-trafficking [OPSI] PERINTAH ...").
CLI_OPTIONS_METAVAR = "[OPSI]"
CLI_COMMAND_METAVAR = "PERINTAH [ARGUMEN]..."
