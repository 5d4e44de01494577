"""The Gene Ontology gene sets of an org.*.db SQLite file by a direct SQL
query (Python's sqlite3), compared line by line with a GMT that
`sceval genesets import` wrote.

usage: grn_orgdb.py ORGDB GODB ONTOLOGY IDS MIN MAX GMT
       grn_orgdb.py --make-fake ORGDB GODB   (a small database of the same schema)

A set is a term of go_<ont>_all with the distinct ids (of gene_info.symbol,
genes.gene_id or ensembl.ensembl_id) of its genes; kept when MIN <= size <= MAX;
named by GO.db's go_term.term. Prints 'checked N bad M' last.
"""
import sqlite3
import sys

ID_SQL = {
    "symbol": ("gene_info", "symbol"),
    "entrez": ("genes", "gene_id"),
    "ensembl": ("ensembl", "ensembl_id"),
}


def expected(orgdb, godb, ont, ids, lo, hi):
    con = sqlite3.connect("file:%s?mode=ro" % orgdb, uri=True)
    con.execute("ATTACH DATABASE ? AS go", ("file:%s?mode=ro" % godb,))
    table, col = ID_SQL[ids]
    rows = con.execute(
        "SELECT a.go_id, COUNT(DISTINCT x.%s), GROUP_CONCAT(DISTINCT x.%s), t.term "
        "FROM go_%s_all a JOIN %s x ON x._id = a._id "
        "LEFT JOIN go.go_term t ON t.go_id = a.go_id "
        "GROUP BY a.go_id ORDER BY a.go_id" % (col, col, ont.lower(), table)).fetchall()
    meta = dict(con.execute("SELECT name, value FROM main.metadata"))
    gometa = dict(con.execute("SELECT name, value FROM go.metadata"))
    sets = {}
    for go_id, n, members, term in rows:
        if lo <= n <= hi:
            sets[go_id] = (term or "", sorted(members.split(","), key=lambda s: s.encode()))
    return sets, meta, gometa


def compare(argv):
    orgdb, godb, ont, ids, lo, hi, gmt = argv
    sets, meta, gometa = expected(orgdb, godb, ont, ids, int(lo), int(hi))
    got, header = {}, []
    for line in open(gmt, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("#"):
            header.append(line)
            continue
        f = line.split("\t")
        got[f[0]] = (f[1], f[2:])
    n = bad = 0
    for go_id in sorted(set(sets) | set(got)):
        n += 1
        if sets.get(go_id) != got.get(go_id):
            bad += 1
            if bad <= 5:
                print("mismatch", go_id, "expected", str(sets.get(go_id))[:200], "got", str(got.get(go_id))[:200])
    text = "\n".join(header)
    for key in ("GOSOURCEDATE", "EGSOURCEDATE", "ORGANISM"):
        n += 1
        if "%s %s" % (key, meta[key]) not in text:
            bad += 1
            print("mismatch header lacks", key, meta[key])
    n += 1
    if "GO.sqlite: GOSOURCEDATE %s" % gometa["GOSOURCEDATE"] not in text:
        bad += 1
        print("mismatch header lacks GO.db's date", gometa["GOSOURCEDATE"])
    print("sets", len(sets))
    print("checked %d bad %d" % (n, bad))


def make_fake(orgdb, godb):
    """Thirty genes, a few terms of each ontology with repeated evidence and
    an Ensembl id shared by two genes; GO.db lacks one term's name."""
    con = sqlite3.connect(orgdb)
    con.executescript("""
      CREATE TABLE metadata (name VARCHAR(80) PRIMARY KEY, value VARCHAR(255));
      CREATE TABLE genes (_id INTEGER PRIMARY KEY, gene_id VARCHAR(10) NOT NULL UNIQUE);
      CREATE TABLE gene_info (_id INTEGER NOT NULL UNIQUE, gene_name VARCHAR(255) NOT NULL,
                              symbol VARCHAR(80) NOT NULL);
      CREATE TABLE ensembl (_id INTEGER NOT NULL, ensembl_id VARCHAR(20) NOT NULL);
      CREATE TABLE go_bp_all (_id INTEGER NOT NULL, go_id CHAR(10) NOT NULL, evidence CHAR(3) NOT NULL);
      CREATE TABLE go_mf_all (_id INTEGER NOT NULL, go_id CHAR(10) NOT NULL, evidence CHAR(3) NOT NULL);
      CREATE TABLE go_cc_all (_id INTEGER NOT NULL, go_id CHAR(10) NOT NULL, evidence CHAR(3) NOT NULL);
    """)
    con.executemany("INSERT INTO metadata VALUES (?, ?)", [
        ("ORGANISM", "Fakeus testii"), ("GOSOURCEDATE", "2001-02-03"),
        ("EGSOURCEDATE", "2001-Feb04"), ("ENSOURCEDATE", "2001-Feb05")])
    for g in range(1, 31):
        con.execute("INSERT INTO genes VALUES (?, ?)", (g, str(1000 + g)))
        con.execute("INSERT INTO gene_info VALUES (?, ?, ?)", (g, "gene %d" % g, "SYM%d" % g))
        con.execute("INSERT INTO ensembl VALUES (?, ?)", (g, "ENSG%011d" % g))
    con.execute("INSERT INTO ensembl VALUES (?, ?)", (2, "ENSG%011d" % 1))  # shared id
    con.execute("INSERT INTO ensembl VALUES (?, ?)", (3, "ENSG%011d" % 99))  # a second id
    terms = {"GO:0000001": range(1, 13), "GO:0000002": range(1, 4), "GO:0000003": range(5, 30),
             "GO:0000004": range(1, 31), "GO:0000005": range(2, 8)}
    for go_id, genes in terms.items():
        for g in genes:
            con.execute("INSERT INTO go_bp_all VALUES (?, ?, 'IEA')", (g, go_id))
            if g % 3 == 0:
                con.execute("INSERT INTO go_bp_all VALUES (?, ?, 'IDA')", (g, go_id))
    for g in range(1, 9):
        con.execute("INSERT INTO go_mf_all VALUES (?, 'GO:0000010', 'IEA')", (g,))
    con.commit()
    con.close()
    con = sqlite3.connect(godb)
    con.executescript("""
      CREATE TABLE metadata (name VARCHAR(80) PRIMARY KEY, value VARCHAR(255));
      CREATE TABLE go_term (_id INTEGER PRIMARY KEY, go_id CHAR(10) NOT NULL UNIQUE,
                            term VARCHAR(255) NOT NULL, ontology VARCHAR(9) NOT NULL,
                            definition TEXT NULL);
    """)
    con.execute("INSERT INTO metadata VALUES ('GOSOURCEDATE', '2001-02-06')")
    con.execute("INSERT INTO go_term VALUES (1, 'all', 'all', 'universal', NULL)")
    for i, go_id in enumerate(["GO:0000001", "GO:0000002", "GO:0000003", "GO:0000004", "GO:0000010"]):
        con.execute("INSERT INTO go_term VALUES (?, ?, ?, 'BP', NULL)", (i + 2, go_id, "term %s" % go_id[-2:]))
    con.commit()
    con.close()


if __name__ == "__main__":
    if sys.argv[1] == "--make-fake":
        make_fake(sys.argv[2], sys.argv[3])
    else:
        compare(sys.argv[1:])
