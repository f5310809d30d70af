# src/io/local.mk: result files (.npy, float TIFF, PNG previews and colormaps), part of libblitz_core.
libblitz_core_la_SOURCES += src/io/npy.c src/io/image_io.c src/io/tiff_write.c \
	src/io/png_write.c src/io/colormap.c src/io/map8.c
noinst_HEADERS += src/io/map8.h src/io/png_write.h
