# tools/ingest.mk: blitz-ingest (sources, man page).
