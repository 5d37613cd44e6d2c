#include "image_codecs.h"
int fl_image_codecs_version(void) { return 1; }
