# The scIB metrics' former names (before sceval took scib's) are accepted
# wherever a metric is named: compare --metrics and runs --metrics select
# the same columns, under scib's names, with either spelling. The expected
# pairs are scib's metrics() result keys, written out here.
. "$(dirname "$0")/lib.sh"
"$SCEVAL" init >/dev/null
"$SCEVAL" simulate -q -o rna.h5ad --cells 300 --genes 200 --types 3 --batches 2 --seed 5 \
  --batch-strength 0.3 >/dev/null || fail "simulate"
cat > spec.yaml <<'SPEC'
datasets: {rna: rna.h5ad}
tasks:
  - {task: batch, dataset: rna, batch_key: batch, label_key: cell_type, n_top_genes: 100,
     n_comps: 10, methods: [unintegrated, combat], seeds: [0]}
SPEC
"$SCEVAL" -q run --json spec.yaml > r.json || fail "the spec runs"
run=$(pyjson 'd["run"]' < r.json)
old=nmi,ari,asw_label,asw_batch,pcr_comparison,isolated_label_f1,isolated_label_asw,graph_connectivity,kbet_all_cells,ilisi_graph,clisi_graph,cell_cycle,trajectory_conservation
new="NMI_cluster/label,ARI_cluster/label,ASW_label,ASW_label/batch,PCR_batch,isolated_label_F1,isolated_label_silhouette,graph_conn,kBET,iLISI,cLISI,cell_cycle_conservation,trajectory"
"$SCEVAL" compare "$run" --metrics "$old" --csv > old.csv || fail "compare with the former names"
"$SCEVAL" compare "$run" --metrics "$new" --csv > new.csv || fail "compare with scib's names"
check "compare: the former names select the same columns as scib's" cmp -s old.csv new.csv
expect_eq "... named as scib names them" "$(head -n1 old.csv | tr ',' '\n' | sed -n 's/_mean$//p' | paste -sd, -)" "$new"
expect_eq "... with the values (2 methods, 13 metrics)" "$(sed -n 2p old.csv | tr ',' '\n' | wc -l)" "58"
"$SCEVAL" compare "$run" --metrics kbet_all_cells,clisi_graph > t_old.txt
"$SCEVAL" compare "$run" --metrics kBET,cLISI > t_new.txt
check "compare (text): the same table with either spelling" cmp -s t_old.txt t_new.txt
"$SCEVAL" runs --metrics pcr_comparison,ilisi_graph --csv > r_old.csv
"$SCEVAL" runs --metrics PCR_batch,iLISI --csv > r_new.csv
check "runs --metrics: the same table with either spelling" cmp -s r_old.csv r_new.csv
expect_match "... under scib's names" "$(head -n1 r_old.csv)" "PCR_batch_mean.*iLISI_mean"
expect_exit "an unknown metric is still an error" 1 "$SCEVAL" compare "$run" --metrics kbet_everything
expect_match "... naming it" "$(cat "$T/err")" "no metric 'kbet_everything'"
done_testing
