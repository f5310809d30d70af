# src/io/local.mk: sources of this module, part of libblitz.
libblitz_la_SOURCES +=
libblitz_la_SOURCES += src/io/npy.c
libblitz_la_SOURCES += src/io/image_io.c src/io/tiff_write.c src/io/png_write.c src/io/colormap.c \
	src/io/map8.c
noinst_HEADERS += src/io/map8.h src/io/png_write.h
