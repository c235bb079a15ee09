# Helpers the bench scripts share (sourced).

# hf_stat FILE: "median ± stddev" in ms of a hyperfine --export-json FILE.
hf_stat () {
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.0f ± %.0f" % (r["median"]*1000, r["stddev"]*1000))' "$1"
}

# oci_pid: the pid of the OCI state JSON on stdin.
oci_pid () {
  python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])'
}
