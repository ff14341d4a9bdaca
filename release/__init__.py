"""Release tooling: build every package of the repository and check what would be published
(``bin/build``), and generate the Meltano Hub plugin definitions (``python -m release.hub``)."""
