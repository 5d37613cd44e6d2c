import CImageCodecs

/// Placeholder until the image decoder lands.
enum DatasetsModule {}
