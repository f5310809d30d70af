# tests/decoders.mk: suites of the FFmpeg-based sources (video, image sequences, conversion).
check_PROGRAMS += tests/test_video
TESTS += tests/test_video
tests_test_video_SOURCES = tests/test_video.c
tests_test_video_CFLAGS = $(TEST_CFLAGS)
tests_test_video_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/test_images
TESTS += tests/test_images
tests_test_images_SOURCES = tests/test_images.c
tests_test_images_CFLAGS = $(TEST_CFLAGS)
tests_test_images_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/test_convert
TESTS += tests/test_convert
tests_test_convert_SOURCES = tests/test_convert.c
tests_test_convert_CFLAGS = $(TEST_CFLAGS) $(FFMPEG_CFLAGS)
tests_test_convert_LDADD = $(TEST_LIBS) $(FFMPEG_LIBS)
