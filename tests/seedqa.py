"""Questions of the seed corpus (corpus/) and what their answers must hold, shared by the
tests of the web chat (over HTTP and in process) and of its building blocks."""

ACTIP_Q = "Apa kepanjangan dari ACTIP?"
ACTIP_A = "ASEAN Convention Against Trafficking in Persons"
ACTIP_SOURCE = "artikel-perdagangan-orang-asia-tenggara-actip.txt"
COUNTRY_Q = "Negara mana yang paling banyak kasusnya?"
# A follow-up pair of the seed corpus: alone, "Kapan itu ditandatangani?" names nothing the
# documents can be searched for; after "Apa itu ACTIP?" it is about ACTIP, founded in 2015.
FOLLOW_PREV = "Apa itu ACTIP?"
FOLLOW_Q = "Kapan itu ditandatangani?"
FOLLOW_QUOTE = "Semenjak didirikan ACTIP tahun 2015"
FOLLOW_NOTE = "Pertanyaan lanjutan: memakai konteks dari pertanyaan sebelumnya"
CASES_Q = "Berapa jumlah kasus human trafficking pada tahun 2023?"
