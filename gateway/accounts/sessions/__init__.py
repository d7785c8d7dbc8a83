"""Console sessions: the record and its expiry rules (:mod:`.model`), kept in Redis when the
gateway has one (:mod:`.redis`) or in the database on the embedded default (:mod:`.database`)."""
