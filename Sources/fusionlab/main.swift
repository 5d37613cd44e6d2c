print("fusionlab")
