"""Indonesian text for users: every string the web chat shows, in one place (``web/``
builds the page from these: its HTML templates are ``web/templates/*.html``, its style and
script the package data files ``web/static/chat.css`` and ``web/static/chat.js``), and the
words for system errors. Translators and reviewers read this file, not the layout code.

Strings holding ``{...}`` are ``str.format`` templates; the names say what goes in. Strings
marked ``# HTML`` hold markup and go into the page unescaped; every other one is escaped.
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
    "Apa definisi human trafficking menurut UNODC?",
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

# --------------------------------------------------------------------------- documents panel

UNKNOWN_TIME = "waktu tidak diketahui"
DATE_TIME = "{day} {month} {year}, {hour:02d}.{minute:02d} UTC"
DOC_META = "{pages} halaman · {chunks} potongan"
NO_DOCUMENTS = "Belum ada dokumen."
SKIPPED_FILES = "{count} berkas dilewati"
BUILT_AT = "Indeks terakhir dibangun"
TOTALS = "{documents} dokumen · {pages} halaman · {chunks} potongan teks"

# --------------------------------------------------------------------------- uploads

PROGRESS_LABEL = "Kemajuan pengindeksan"
UPLOAD_WAITING = "Menunggu unggahan lain selesai diindeks"
UPLOAD_PREPARING = "Menyiapkan pengindeksan"
UPLOAD_LOADING = "Memuat indeks baru"
UPLOAD_CRASHED = "Proses pengindeksan berhenti tiba-tiba; dokumen tidak ditambahkan."
UPLOAD_TIMED_OUT = "Pengindeksan melewati batas waktu; dokumen tidak ditambahkan."
UPLOAD_FAILED = ("Pengindeksan gagal karena kesalahan di server; dokumen tidak ditambahkan. "
                 "Coba lagi, atau beri tahu pengelola.")
UPLOAD_NONE_CHOSEN = "Tidak ada berkas yang dipilih."
UPLOAD_ADDED = "{added} dari {total} berkas ditambahkan dan sudah bisa ditanyakan."
UPLOAD_NONE_ADDED = "Tidak ada berkas yang ditambahkan."

# --------------------------------------------------------------------------- the server

QUEUE_FULL = ("Antrean penuh: terlalu banyak pertanyaan sedang diproses. Silakan coba lagi "
              "sebentar lagi.")
NOT_FOUND = "Tidak ditemukan."
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
GRADIO_LOCALES = ("ar", "ca", "ckb", "de", "en", "es", "et", "eu", "fa", "fi", "fr", "he", "hi",
                  "id", "ja", "ko", "lt", "nb", "nl", "pl", "pt-BR", "pt", "ro", "ru", "sv",
                  "ta", "th", "tr", "uk", "ur", "uz", "zh-CN", "zh-TW")


# --------------------------------------------------------------------------- system errors

MODEL_UNAVAILABLE = ("model embedding '{model}' tidak bisa dimuat: tidak ada di komputer ini, "
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


def os_reason(error: OSError) -> str:
    """An OSError in Indonesian words."""
    if error.errno in OS_REASONS:
        return OS_REASONS[error.errno]
    code = errno.errorcode.get(error.errno) if isinstance(error.errno, int) else None
    return f"galat sistem berkas {code}" if code else "galat sistem berkas"
