# src/core/local.mk: error reporting, checked arithmetic and atomic files and folders shared by all modules.
libblitz_core_la_SOURCES += src/core/error.c src/core/atomic_file.c src/core/atomic_dir.c
noinst_HEADERS += src/core/error_internal.h src/core/checked.h src/core/hot_kernel.h src/core/atomic_file.h \
	src/core/atomic_dir.h src/core/nan_mask.h
