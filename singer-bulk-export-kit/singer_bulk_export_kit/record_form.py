"""The forms of row a stream's ``get_records`` may hand the kit: part of the stream contract.

A ``FastSync`` stream reads ``self.record_form`` when it starts reading rows and may yield
any form up to it (the forms are ordered: each admits the ones before it). Rows that are
not plain dicts are final: ``post_process`` is not called and no partition keys are added.
"""

import enum


class RecordForm(enum.IntEnum):
    #: plain dicts, post-processed as the SDK does (always allowed)
    DICT = 0
    #: also msgspec Structs of the schema's fields, encoded in C with no dict built; allowed
    #: while the kit's lean loop or BATCH writer takes the rows of an unpartitioned stream
    STRUCT = 1
    #: also a JSON object line (bytes) of declared fields only, written into the BATCH file
    #: as it is (``readers.DeclaredObjectLines``); allowed in the kit's BATCH mode only
    LINE = 2
