// Nothing: the import-time baseline of an ES module.
