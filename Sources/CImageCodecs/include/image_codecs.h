#pragma once
// Placeholder: the image codec shim is written under the Data issue.
int fl_image_codecs_version(void);
