"""The pipeline's stages: each reads a warehouse folder and returns its results.

Flows wire them; `csc bench` times them one by one."""
