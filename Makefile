# novalite: `make run` sets everything up and boots a real QEMU guest;
# `make test` runs the whole test suite (unit, functional, e2e with real
# guests). Both install what is missing first.

PYTHON ?= python3
VENV ?= $(CURDIR)/.venv
STATE ?= $(CURDIR)/.state
# make run AUTH=keystone: a real Keystone beside the services (tools/keystone.py).
AUTH ?= noauth2
BIN := $(VENV)/bin
# mariadb-server and postgresql only for their binaries: the tests start
# private servers (tools/dbservers.py), never the machine's services.
# dnsmasq-base and iptables (iptables, ebtables-nft) for libvirt's networks and nwfilters;
# iproute2 and openssh-client for SSH into guests (make run, e2e);
# chromium and chromium-driver for the Horizon browser test.
APT_PACKAGES := rabbitmq-server libvirt-daemon-system libvirt-clients \
	qemu-system-x86 qemu-utils libvirt-dev pkg-config \
	mariadb-server postgresql systemd shellcheck \
	dnsmasq-base iptables iproute2 openssh-client \
	chromium chromium-driver
STAMP := $(VENV)/.installed

.PHONY: run horizon stop test unit functional functional-all e2e guest bench bench-real deps venv \
	services sample-config sample-policy clean fuzz rally bench-runner chaos tempest

run: venv services
	$(BIN)/python -m novalite.tools.devrun start --state $(STATE) --auth $(AUTH)

# Horizon (PyPI, own virtualenv in $(STATE)/horizon-venv) on 127.0.0.1:8080
# in front of `make run AUTH=keystone`'s cloud (tools/horizon.py); make stop
# stops it too.
horizon: AUTH = keystone
horizon: run
	$(BIN)/python -m novalite.tools.horizon start --state $(STATE)

stop:
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m novalite.tools.devrun stop --state $(STATE); fi

test: venv services
	$(BIN)/python -m pytest -q --durations=25 tests

unit: venv
	$(BIN)/python -m pytest -q tests/unit

functional: venv services
	$(BIN)/python -m pytest -q tests/functional

# Every functional module on SQLite, MariaDB and PostgreSQL (make test runs
# the boot, scheduling-race and database-outage modules on all three and
# the rest on SQLite).
functional-all: venv services
	NOVALITE_BACKENDS=sqlite,mysql,postgresql $(BIN)/python -m pytest -q tests/functional

# Real QEMU guests (TCG) through the whole path; builds the test guest first.
e2e: venv services
	$(BIN)/python -m pytest -q tests/e2e

# The generated-request fuzzer at full size (CI runs a 2 000-request sample
# in `make test`): FUZZ_REQUESTS requests, FUZZ_SEED picks them.
FUZZ_REQUESTS ?= 10000
FUZZ_SEED ?= 20240610
fuzz: venv services
	NOVALITE_FUZZ_REQUESTS=$(FUZZ_REQUESTS) NOVALITE_FUZZ_SEED=$(FUZZ_SEED) \
		$(BIN)/python -m pytest -q -s tests/functional/test_fuzz.py

# Fault injection at full size (`make test` runs 30 boots per fault on
# SQLite): CHAOS_BOOTS boots at concurrency 10 per fault (API, conductor,
# scheduler, a compute agent killed with SIGKILL; RabbitMQ connections
# closed), on every database backend; prints the table of outcomes.
CHAOS_BOOTS ?= 100
CHAOS_BACKENDS ?= sqlite,mysql,postgresql
CHAOS_SEED ?= 20261201
chaos: venv services
	NOVALITE_CHAOS_BOOTS=$(CHAOS_BOOTS) NOVALITE_CHAOS_BACKENDS=$(CHAOS_BACKENDS) \
		NOVALITE_CHAOS_SEED=$(CHAOS_SEED) \
		NOVALITE_CHAOS_FAULTS=api,conductor,scheduler,compute-compute1,rabbitmq \
		$(BIN)/python -m pytest -q -s tests/functional/test_chaos.py

# The tiny test guest from Debian packages, cached in $(STATE)/test-guest.
guest: venv
	NOVALITE_STATE=$(STATE) $(BIN)/python -m novalite.tools.build_test_guest

bench: venv services
	$(BIN)/python -m novalite.bench.boot --count 50
	$(BIN)/python -m novalite.bench.scheduler --hosts 100,1000,10000

bench-real: venv services
	$(BIN)/python -m novalite.bench.boot --real --count 5

# Real Rally (rally-openstack from PyPI, own virtualenv in $(STATE)/rally-venv)
# runs rally-jobs/novalite.yaml against novalite behind a real Keystone
# (tools/rally.py); reports in $(STATE)/rally. RALLY_ARGS='{"times": 50}'.
RALLY_ARGS ?= {}
rally: venv services
	$(BIN)/python -m novalite.tools.rally --state $(STATE) --task-args '$(RALLY_ARGS)'

# Real tempest (PyPI, own virtualenv in $(STATE)/tempest-venv) with
# pre-provisioned accounts against a disposable cloud behind a real Keystone
# on free ports (tools/tempest_run.py): the compute and image tests of the
# interop guideline 2020.06 minus the volume-attach ones; counts in
# doc/tempest.md. `make test` runs the whole list too (test_tempest_run.py).
TEMPEST_ARGS ?=
tempest: venv services
	$(BIN)/python -m novalite.tools.tempest_run --state $(STATE) $(TEMPEST_ARGS)

# The built-in Rally-style runner on the same task file, against its own
# disposable cloud (BENCH_OPTS, e.g. --cloud novalite to use clouds.yaml).
BENCH_OPTS ?= --hosts 2
bench-runner: venv services
	$(BIN)/novalite-bench rally-jobs/novalite.yaml --task-args '$(RALLY_ARGS)' \
		--out $(STATE)/bench-runner $(BENCH_OPTS)

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq $$missing; \
	fi

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml | deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip 'setuptools>=64' wheel
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

# RabbitMQ (and libvirt's daemons, for real guests) when not running.
services: deps
	@bash tools/ensure-services.sh

sample-config: venv
	$(BIN)/oslo-config-generator --config-file etc/oslo-config-generator.conf

sample-policy: venv
	$(BIN)/oslopolicy-sample-generator --config-file etc/oslo-policy-generator.conf

clean:
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m novalite.tools.devrun clean --state $(STATE); fi
	rm -rf $(STATE)
