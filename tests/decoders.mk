# tests/decoders.mk: suites of the FFmpeg-based sources (video, image sequences, conversion).
check_PROGRAMS += tests/test_video
TESTS += tests/test_video
tests_test_video_SOURCES = tests/test_video.c
tests_test_video_CFLAGS = $(TEST_CFLAGS)
tests_test_video_LDADD = $(TEST_LIBS)
