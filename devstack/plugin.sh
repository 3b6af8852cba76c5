#!/bin/bash
# devstack plugin entry point for novalite: devstack sources this file with
# the phase in $1 (stack, unstack, clean) and $2 (pre-install, install,
# post-config, extra, test-config).

# shellcheck source=devstack/lib/novalite
source "$NOVALITE_DIR/devstack/lib/novalite"

if is_service_enabled n-lite-api n-lite-cond n-lite-sch n-lite-cpu; then
    case "$1" in
        stack)
            case "$2" in
                pre-install)
                    novalite_refuse_beside_nova
                    ;;
                install)
                    install_novalite
                    ;;
                post-config)
                    configure_novalite
                    create_novalite_accounts
                    ;;
                extra)
                    init_novalite
                    start_novalite
                    ;;
                test-config)
                    configure_tempest_for_novalite
                    ;;
            esac
            ;;
        unstack)
            stop_novalite
            ;;
        clean)
            cleanup_novalite
            ;;
    esac
fi
