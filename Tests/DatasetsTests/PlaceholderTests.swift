import Testing
import CImageCodecs

@Test func codecShimLinks() { #expect(fl_image_codecs_version() == 1) }
