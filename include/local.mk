# include/local.mk: the public headers, installed under $(includedir)/blitz.
pkginclude_HEADERS += include/blitz/blitz.h include/blitz/error.h include/blitz/cache.h \
	include/blitz/writer.h include/blitz/npy.h
pkginclude_HEADERS += include/blitz/query.h include/blitz/image_io.h
pkginclude_HEADERS += include/blitz/ingest.h
pkginclude_HEADERS += include/blitz/pipeline.h
