# src/query/local.mk: temporal reductions, statistics and the page-budget scheduler.
libblitz_core_la_SOURCES += src/query/frames.c src/query/select.c src/query/scheduler.c \
	src/query/accumulate.c src/query/reduce.c src/query/stats.c src/query/stats_cache.c \
	src/query/transpose.c src/query/select_vector.c src/query/workers.c \
	src/query/plane_sums.c
noinst_HEADERS += src/query/frames.h src/query/select.h src/query/scheduler.h \
	src/query/accumulate.h src/query/stats.h src/query/transpose.h \
	src/query/select_vector.h src/query/workers.h src/query/plane_sums.h \
	src/query/plane_sums_template.h
libblitz_core_la_SOURCES += src/query/sliding.c src/query/reference.c src/query/stages.c \
	src/query/series.c src/query/pipeline.c src/query/pipeline_plan.c
noinst_HEADERS += src/query/sliding.h src/query/reference.h src/query/stages.h \
	src/query/series.h
libblitz_core_la_SOURCES += src/query/framewalk.c src/query/roi.c src/query/pixel.c \
	src/query/export.c src/query/export_tiff.c src/query/export_png.c src/query/stats_pipeline.c
noinst_HEADERS += src/query/framewalk.h src/query/export.h src/query/export_tiff.h \
	src/query/stats_pipeline.h
