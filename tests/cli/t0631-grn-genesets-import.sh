# sceval genesets import: the Gene Ontology sets of an org.*.db SQLite file
# equal a direct SQL query of the same file (tests/oracle/grn_orgdb.py,
# Python's sqlite3): on a small database of the same schema made here, and on
# Debian's r-bioc-org.hs.eg.db and r-bioc-go.db when installed (make
# check-long installs them); the object names its sources' dates, feeds the
# grn task as {ref: NAME}; bad files and options fail naming the culprit and
# leave the store as it was.
. "$(dirname "$0")/lib.sh"
ORACLE="$TESTS_DIR/oracle/grn_orgdb.py"
"$SCEVAL" init >/dev/null
"$PYTHON" "$ORACLE" --make-fake org.Fk.eg.sqlite GO.sqlite

# The fake database: every ontology and id type the importer knows.
for args in "BP symbol 10 500" "BP ensembl 3 25" "BP entrez 1 100" "MF symbol 5 10"; do
  set -- $args
  "$SCEVAL" genesets import --orgdb org.Fk.eg.sqlite --godb GO.sqlite --ontology "$1" --ids "$2" \
    --min-size "$3" --max-size "$4" --name "fake_$1_$2" -o "$1_$2.gmt" > out 2>&1
  "$PYTHON" "$ORACLE" org.Fk.eg.sqlite GO.sqlite "$1" "$2" "$3" "$4" "$1_$2.gmt" > check.out 2>&1
  expect_eq "small database, $1 as $2 ids, sizes $3..$4: sets equal the SQL query's" \
    "$(tail -n1 check.out)" "checked $(( $(sed -n 's/^sets //p' check.out) + 4 )) bad 0"
done
expect_eq "the fake BP/symbol import keeps the 3 terms of 10 to 500 genes" "$(grep -vc '^#' BP_symbol.gmt)" 3
expect_eq "a term GO.db does not name has an empty description" \
  "$(grep '^GO:0000005' BP_ensembl.gmt | cut -f2)" ""
expect_eq "an Ensembl id of two genes is listed once" \
  "$(grep '^GO:0000002' BP_ensembl.gmt | cut -f3-)" "$(printf 'ENSG00000000001\tENSG00000000002\tENSG00000000003\tENSG00000000099')"
expect_eq "the stored object is the written GMT, named" "$("$SCEVAL" cat fake_BP_symbol | sha256sum)" "$(sha256sum < BP_symbol.gmt)"
expect_match "its header names the sources' dates" "$(sed -n 2,3p BP_symbol.gmt | tr '\n' ' ')" \
  "org.Fk.eg.sqlite: ORGANISM Fakeus testii; GOSOURCEDATE 2001-02-03; EGSOURCEDATE 2001-Feb04 # GO.sqlite: GOSOURCEDATE 2001-02-06"
"$SCEVAL" genesets import --json --orgdb org.Fk.eg.sqlite --godb GO.sqlite --name fake_BP_symbol > j.json
expect_eq "the same import again: same object, --json counts" \
  "$(pyjson '[d["sets"], d["terms"], d["go_source_date"], d["hash"] == "'"$(sha256sum < BP_symbol.gmt | cut -c1-64)"'"]' < j.json)" \
  '[3, 5, "2001-02-03", true]'

# Bad input: one line naming the culprit, the store as it was.
before=$(store_state "$T")
printf 'not a database\n' > junk.sqlite
expect_exit "a file that is not SQLite is refused" 1 "$SCEVAL" genesets import --orgdb junk.sqlite --godb GO.sqlite
expect_match "... naming it" "$(cat "$T/err")" "'junk.sqlite' is not an SQLite database"
expect_exit "GO.sqlite given as the org database is refused" 1 "$SCEVAL" genesets import --orgdb GO.sqlite --godb GO.sqlite
expect_match "... naming the missing table" "$(cat "$T/err")" "'GO.sqlite' has no table 'gene_info'"
expect_exit "an ontology without annotation in the file is refused" 1 "$SCEVAL" genesets import --orgdb org.Fk.eg.sqlite --godb GO.sqlite --ontology CC
expect_match "... naming it" "$(cat "$T/err")" "no CC annotation"
expect_exit "bounds no term meets are refused" 1 "$SCEVAL" genesets import --orgdb org.Fk.eg.sqlite --godb GO.sqlite --min-size 400
expect_match "... naming them" "$(cat "$T/err")" "no BP term has 400 to 500 genes"
expect_exit "an unknown ontology is a usage error" 2 "$SCEVAL" genesets import --orgdb org.Fk.eg.sqlite --ontology XX
expect_exit "no GO.sqlite beside the org file is refused" 1 "$SCEVAL" genesets import --orgdb org.Fk.eg.sqlite
expect_match "... saying how to give it" "$(cat "$T/err")" "no GO.sqlite beside 'org.Fk.eg.sqlite'.*--godb"
expect_exit "a name taken by other sets is refused" 1 "$SCEVAL" genesets import --orgdb org.Fk.eg.sqlite --godb GO.sqlite --name fake_BP_ensembl
expect_match "... naming it" "$(cat "$T/err")" "name 'fake_BP_ensembl' already refers to"
expect_eq "the store is as it was after the refused imports" "$(store_state "$T")" "$before"

# Debian's org.Hs.eg.db and GO.db.
LIB=/usr/lib/R/site-library
ORG=$LIB/org.Hs.eg.db/extdata/org.Hs.eg.sqlite
if [ ! -r "$ORG" ] || [ ! -r "$LIB/GO.db/extdata/GO.sqlite" ]; then
  skip "org.Hs.eg.db GO BP import (needs r-bioc-org.hs.eg.db and r-bioc-go.db: make check-long installs them)"
  done_testing
fi
"$SCEVAL" genesets import --orgdb "$ORG" --ontology BP --min-size 10 --max-size 500 -o hs_bp.gmt > out 2>&1
expect_eq "org.Hs.eg.db BP import named go_bp" "$(sed -n 's/^[0-9a-f]\{64\}  //p' out)" go_bp
"$PYTHON" "$ORACLE" "$ORG" "$LIB/GO.db/extdata/GO.sqlite" BP symbol 10 500 hs_bp.gmt > check.out 2>&1
expect_match "org.Hs.eg.db GO BP, 10 to 500 genes: every set equals the SQL query's, header dates too" \
  "$(tail -n1 check.out)" "^checked [0-9]{4,} bad 0$"
grep mismatch check.out | head -n 5 | sed 's/^/#   /'
if need_data $PBMC; then
  cat > go.yaml <<Y
datasets: {pbmc: $DATA/$PBMC, gobp: {ref: go_bp}}
tasks:
  - {task: grn, dataset: pbmc, genesets: gobp, counts: layers/counts, resolution: 10, edges: none, methods: [random]}
Y
  "$SCEVAL" run --json go.yaml > r.json 2>&1
  expect_eq "the imported sets feed the grn task as {ref: go_bp}" "$(pyjson 'd["status"]' < r.json)" done
else
  skip "the grn task on the imported sets (needs $PBMC)"
fi
done_testing
