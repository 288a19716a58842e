"""Run the request-stream libFuzzer target: a bounded fuzzing session, and a replay of the seed corpus.

Both use the build-fuzz directory that .ci/build configures (clang, -Dfuzz=true);
STREAMGA_FUZZ_BUILD names another one. STREAMGA_FUZZ_SECONDS sets how long the
fuzzing session runs (default 60). Fuzzing works on a copy of the corpus in a
temporary directory, so new inputs never dirty the repository.
"""
import os
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")
DICTIONARY = os.path.join(HERE, "request.dict")

# How long one input may run before libFuzzer calls it a hang (it writes timeout-*).
PER_INPUT_TIMEOUT = 30
# Slack beyond the fuzzing time for start-up, corpus loading and the final report.
RUN_SLACK_SECONDS = 180
# Artifact names libFuzzer gives a failing input.
ARTIFACT_PREFIXES = ("crash-", "leak-", "timeout-", "oom-", "slow-unit-")


def corpus_files():
    return sorted(os.path.join(CORPUS, name) for name in os.listdir(CORPUS))


@pytest.fixture(scope="module")
def fuzzer():
    build = os.environ.get("STREAMGA_FUZZ_BUILD", "build-fuzz")
    build = build if os.path.isabs(build) else os.path.join(ROOT, build)
    path = os.path.join(build, "tests", "fuzz", "fuzz-request-stream")
    if not os.access(path, os.X_OK):
        pytest.fail("the fuzz target is not built: %s is missing; build it with "
                    "CC=clang meson setup build-fuzz -Dfuzz=true -Db_lundef=false "
                    "&& ninja -C build-fuzz (as .ci/build does)" % path)
    return path


def fuzz_env():
    env = dict(os.environ)
    # Sanitizer reports should name the code; stop on the first one.
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    return env


def describe_failure(fuzzer, what, proc_output, artifacts):
    lines = ["%s failed" % what]
    for path in artifacts:
        with open(path, "rb") as f:
            data = f.read()
        lines.append("reproducer: %s (%d bytes); replay it with: %s %s" % (path, len(data), fuzzer, path))
        lines.append("  first bytes: %r" % data[:512])
    running = [line for line in proc_output.splitlines() if line.startswith("Running: ")]
    if running and not artifacts:
        lines.append("failing input: %s" % running[-1][len("Running: "):])
    tail = proc_output.splitlines()[-100:]
    lines.append("last lines of the fuzzer's output:")
    lines.extend("  " + line for line in tail)
    return "\n".join(lines)


def run_fuzzer(args, cwd, timeout):
    try:
        proc = subprocess.run(args, cwd=cwd, env=fuzz_env(), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        output = (e.output or b"").decode("utf-8", "replace")
        pytest.fail("the fuzzer did not finish within %d s:\n%s" % (timeout, output[-6000:]))
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


def test_seed_corpus_replays_cleanly(fuzzer, tmp_path):
    files = corpus_files()
    assert len(files) >= 50, "the seed corpus in %s looks lost: %d files" % (CORPUS, len(files))
    # Given files rather than a directory, libFuzzer runs each once and fuzzes nothing.
    rc, output = run_fuzzer([fuzzer, "-timeout=%d" % PER_INPUT_TIMEOUT,
                             "-artifact_prefix=%s/" % tmp_path] + files,
                            cwd=str(tmp_path), timeout=RUN_SLACK_SECONDS)
    artifacts = [str(p) for p in tmp_path.iterdir() if p.name.startswith(ARTIFACT_PREFIXES)]
    assert rc == 0 and not artifacts, describe_failure(fuzzer, "replaying the seed corpus", output, artifacts)
    executed = output.count("Executed ")
    assert executed == len(files), "only %d of %d corpus files ran:\n%s" % (
        executed, len(files), output[-3000:])


def test_fuzz_request_stream(fuzzer, tmp_path):
    seconds = int(os.environ.get("STREAMGA_FUZZ_SECONDS", "60"))
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, str(corpus))
    artifacts_dir = tmp_path / "artifacts"
    artifacts_dir.mkdir()

    rc, output = run_fuzzer([fuzzer, str(corpus),
                             "-dict=%s" % DICTIONARY,
                             "-max_len=65536",
                             "-max_total_time=%d" % seconds,
                             "-timeout=%d" % PER_INPUT_TIMEOUT,
                             "-print_final_stats=1",
                             "-artifact_prefix=%s/" % artifacts_dir],
                            cwd=str(tmp_path), timeout=seconds + RUN_SLACK_SECONDS)
    artifacts = sorted(str(p) for p in artifacts_dir.iterdir())
    assert rc == 0 and not artifacts, describe_failure(
        fuzzer, "fuzzing for %d s" % seconds, output, artifacts)
    # A silent no-op (dictionary not read, corpus not loaded, nothing run) is a failure too.
    assert "Dictionary: " in output, output[-3000:]
    assert "INITED" in output, output[-3000:]
    runs = [line for line in output.splitlines() if line.startswith("stat::number_of_executed_units:")]
    assert runs and int(runs[0].split(":")[-1]) > len(corpus_files()), output[-3000:]
