# tests/decoders.mk: suites of the FFmpeg-based sources (video, image sequences, conversion).
check_PROGRAMS += tests/test_video
TESTS += tests/test_video
check_PROGRAMS += tests/test_images
TESTS += tests/test_images
check_PROGRAMS += tests/test_convert
TESTS += tests/test_convert
tests_test_convert_CFLAGS = $(TEST_CFLAGS) $(FFMPEG_CFLAGS)
tests_test_convert_LDADD = $(TEST_LIBS) $(FFMPEG_LIBS)
