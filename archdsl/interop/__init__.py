"""Interoperation with other model libraries (Model Garden weight transfer); optional extras."""
