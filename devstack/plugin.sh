#!/bin/bash
# devstack plugin entry point for novalite.
source $NOVALITE_DIR/devstack/lib/novalite
NOVALITE_BIN_DIR=$(get_python_exec_prefix)

if [[ "$1" == "stack" && "$2" == "install" ]]; then
    install_novalite
elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
    configure_novalite
elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
    init_novalite
    start_novalite
elif [[ "$1" == "unstack" ]]; then
    stop_novalite
fi
