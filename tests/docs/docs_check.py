#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks that the documentation matches the repository and the code.

    docs_check.py [--repo DIR] [--build DIR] [--skip-commands]

Prints one "ok - ..." or "FAIL - ..." line per check and exits 1 when any failed:

  links     every relative Markdown link in README.md, CONTRIBUTING.md and doc/*.md names a file
            or folder that exists, and a link's #anchor a heading of the Markdown file it names;
  paths     every repository path those files name in `code` or in code blocks (a word whose
            first folder is a top-level folder of the repository, e.g. contrib/examples/tflops.conf
            or select_plugin/src/select_hooks_v*.cpp) exists;
  contract  doc/job-environment.md lists exactly the variables that
            slurm_common/job_env_contract.h defines, at its version; every variable it defines is
            written by gres/tflops (gres_plugin/src) or read by the HAL (hal/src); no other source
            spells a SLURM_TFLOPS_ name out;
  commands  every line of each README code block preceded by the line <!-- docs-check: run -->
            runs and exits 0 in the repository root, with a leading build/ replaced by --build DIR;
  help      every program the build made and every script users run answers --help with exit 0;
  man       man/*.1 and man/*.5 format without a warning (groff -ww), tflopsctl(1) names every
            command `tflopsctl --help` lists, and each command's page tflopsctl-COMMAND(1) every
            option `tflopsctl COMMAND --help` lists.
"""
import argparse
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys

failures = 0


def report(ok, what, why=""):
    global failures
    if ok:
        print(f"ok - {what}")
    else:
        failures += 1
        print(f"FAIL - {what}" + (f": {why}" if why else ""))


def markdown_files(repo):
    files = [os.path.join(repo, name) for name in ("README.md", "CONTRIBUTING.md")]
    files += sorted(glob.glob(os.path.join(repo, "doc", "*.md")))
    return [f for f in files if os.path.exists(f)]


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*\*|\[|\]\([^)]*\)", "", heading.strip()).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    found, fenced = set(), False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("```"):
                fenced = not fenced
            elif not fenced and line.startswith("#"):
                found.add(slug(line.lstrip("#")))
    return found


def split_blocks(text):
    """(prose lines, [(marker before the fence, block lines)])."""
    prose, blocks, block, marker, previous = [], [], None, False, ""
    for line in text.splitlines():
        if line.startswith("```"):
            if block is None:
                block, marker = [], previous.strip() == "<!-- docs-check: run -->"
            else:
                blocks.append((marker, block))
                block = None
        elif block is not None:
            block.append(line)
        else:
            prose.append(line)
        if line.strip():
            previous = line
    return prose, blocks


def check_links(repo):
    for md in markdown_files(repo):
        rel = os.path.relpath(md, repo)
        prose, _ = split_blocks(open(md, encoding="utf-8").read())
        bad = []
        count = 0
        for target in re.findall(r"\]\(([^)\s]+)\)", "\n".join(prose)):
            if re.match(r"^[a-z]+:", target):
                continue
            count += 1
            path, _, anchor = target.partition("#")
            full = os.path.normpath(os.path.join(os.path.dirname(md), path)) if path else md
            if not os.path.exists(full):
                bad.append(f"{target} (no {os.path.relpath(full, repo)})")
            elif anchor and full.endswith(".md") and anchor not in anchors(full):
                bad.append(f"{target} (no heading #{anchor} in {os.path.relpath(full, repo)})")
        report(not bad, f"links: the {count} relative links of {rel} exist", "; ".join(bad))


def top_folders(repo):
    return {name for name in os.listdir(repo)
            if os.path.isdir(os.path.join(repo, name)) and not name.startswith((".", "build"))}


PATH_WORD = re.compile(r"[A-Za-z0-9_.*\-]+(?:/[A-Za-z0-9_.*\-]+)+/?")


def check_paths(repo):
    tops = top_folders(repo)
    for md in markdown_files(repo):
        rel = os.path.relpath(md, repo)
        text = open(md, encoding="utf-8").read()
        prose, blocks = split_blocks(text)
        words = re.findall(r"`([^`]+)`", "\n".join(prose))
        words += [line for _, block in blocks for line in block]
        named, bad = set(), []
        for word in words:
            for path in PATH_WORD.findall(word):
                if path.split("/")[0] not in tops or path in named:
                    continue
                if "/" + path in word or "./" + path in word:
                    continue  # part of an absolute path or of a longer one
                named.add(path)
                if not glob.glob(os.path.join(repo, path)):
                    bad.append(path)
        report(not bad, f"paths: the {len(named)} repository paths {rel} names exist", ", ".join(bad))


def check_contract(repo):
    header = os.path.join(repo, "slurm_common", "job_env_contract.h")
    reference = os.path.join(repo, "doc", "job-environment.md")
    code = open(header, encoding="utf-8").read()
    defined = dict(re.findall(r'constexpr char (kVar\w+)\[\] = "(\w+)"', code))
    version = re.search(r"constexpr int kVersion = (\d+);", code)
    report(bool(defined) and bool(version), f"contract: {len(defined)} variables and the version read from "
           "slurm_common/job_env_contract.h")

    text = open(reference, encoding="utf-8").read()
    listed = set()
    for line in text.splitlines():
        cells = line.split("|")
        if len(cells) > 2 and line.startswith("|"):
            listed.update(re.findall(r"`([A-Z][A-Za-z0-9_]+)`", cells[1]))
    names = set(defined.values())
    report(listed == names, "contract: doc/job-environment.md lists exactly the variables the header defines",
           f"listed but not defined: {sorted(listed - names)}; defined but not listed: {sorted(names - listed)}")
    title = re.search(r"contract version (\d+)", text)
    report(bool(title) and bool(version) and title.group(1) == version.group(1),
           "contract: doc/job-environment.md's version is the header's kVersion",
           f"doc {title.group(1) if title else '?'}, header {version.group(1) if version else '?'}")

    def used_in(folder):
        used = set()
        for path in glob.glob(os.path.join(repo, folder, "**", "*.[ch]*"), recursive=True):
            source = open(path, encoding="utf-8", errors="replace").read()
            used.update(k for k in defined if re.search(rf"\b{k}\b", source))
        return used

    written, read = used_in("gres_plugin/src"), used_in("hal/src")
    unused = sorted(defined[k] for k in defined if k not in written and k not in read)
    report(not unused, "contract: every variable the header defines is written by gres/tflops or read by the HAL",
           f"neither: {unused}")

    spelled = []
    for folder in ("gres_plugin/src", "select_plugin/src", "hal/src", "hal/include", "cli", "slurm_common",
                   "mpi_runtime/src", "mpi_runtime/include"):
        for path in glob.glob(os.path.join(repo, folder, "**", "*.[ch]*"), recursive=True):
            if os.path.samefile(path, header):
                continue
            source = open(path, encoding="utf-8", errors="replace").read()
            for name in set(re.findall(r'^(?!\s*//).*"(SLURM_TFLOPS_\w+)"', source, re.M)):
                spelled.append(f"{os.path.relpath(path, repo)}: {name}")
    report(not spelled, "contract: the variables' names are spelled out in the header only", "; ".join(spelled))


def run(command, cwd, timeout=120):
    try:
        done = subprocess.run(command, cwd=cwd, shell=isinstance(command, str), executable="/bin/bash"
                              if isinstance(command, str) else None, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout, text=True)
        return done.returncode, done.stdout
    except subprocess.TimeoutExpired:
        return 124, f"timed out after {timeout} s"


def check_commands(repo, build):
    readme = os.path.join(repo, "README.md")
    _, blocks = split_blocks(open(readme, encoding="utf-8").read())
    marked = [block for marker, block in blocks if marker]
    report(bool(marked), f"commands: README.md has {len(marked)} code blocks marked <!-- docs-check: run -->")
    for block in marked:
        for line in block:
            command = line.split(" # ")[0].strip()
            if not command or command.startswith("#"):
                continue
            words = shlex.split(command)
            if words[0].startswith("build/"):
                program = os.path.join(build, words[0][len("build/"):])
                if not os.path.exists(program):
                    print(f"ok - commands: {command} # SKIP {program} was not built")
                    continue
                words[0] = program
            code, output = run(words, repo)
            report(code == 0, f"commands: {command}", f"exit {code}\n{output[-2000:]}")


SCRIPTS = ["contrib/quickstart.sh", "contrib/run-tests.sh", "contrib/install-deps.sh",
           "contrib/cluster/tflops-cluster", "contrib/cluster/slurm-version",
           "bench/run_pool_bench.sh", "bench/hal/run_hal_bench.sh", "bench/mpi/run_mpi_bench.sh",
           "bench/slurm/run_slurm_bench.sh", "bench/trace/run_trace_eval.sh",
           "bench/plot_pool_bench.py", "bench/mpi/plot_mpi_bench.py", "bench/trace/plot_trace_eval.py",
           "bench/torch/run_torch_bench.sh", "bench/torch/plot_torch_bench.py", "bench/torch/torch_bench.py",
           "mpi_runtime/tools/plot_training.py", "tests/trace/make_synthetic_trace.py"]
PROGRAMS = ["cli/tflopsctl", "gres_plugin/tflops-gres-lines", "mpi_runtime/tflops-train",
            "bench/trace/trace_eval", "bench/hal/hal_bench", "bench/mpi/allreduce_bench",
            "bench/mpi/gradient_bench", "bench/pool_bench"]


def check_help(repo, build):
    for script in SCRIPTS:
        path = os.path.join(repo, script)
        if not os.path.exists(path):
            report(False, f"help: {script} --help", "no such script")
            continue
        code, output = run([path, "--help"], repo, timeout=30)
        report(code == 0 and output.strip() != "", f"help: {script} --help", f"exit {code}: {output[-500:]}")
    for program in PROGRAMS:
        path = os.path.join(build, program)
        if not os.path.exists(path):
            print(f"ok - help: {program} --help # SKIP not built in {build}")
            continue
        code, output = run([path, "--help"], repo, timeout=30)
        report(code == 0 and output.strip() != "", f"help: {program} --help", f"exit {code}: {output[-500:]}")


def check_man(repo, build):
    groff = shutil.which("groff")
    pages = sorted(glob.glob(os.path.join(repo, "man", "*.[1-8]")))
    report(len(pages) >= 2, f"man: {len(pages)} man pages in man/")
    for page in pages:
        if groff is None:
            print(f"ok - man: {os.path.relpath(page, repo)} # SKIP groff not installed")
            continue
        done = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z", page], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        report(done.returncode == 0 and not done.stderr.strip(), f"man: {os.path.relpath(page, repo)} formats "
               "without warnings", done.stderr.strip())
    tflopsctl = os.path.join(build, "cli", "tflopsctl")
    page = os.path.join(repo, "man", "tflopsctl.1")
    if not os.path.exists(tflopsctl) or not os.path.exists(page):
        print("ok - man: tflopsctl(1) against tflopsctl --help # SKIP tflopsctl not built")
        return
    def text_of(path):
        return open(path, encoding="utf-8").read().replace("\\-", "-") if os.path.exists(path) else ""

    main_page = text_of(page)
    _, top = run([tflopsctl, "--help"], repo)
    commands = re.findall(r"^  ([a-z]+)  ", top.split("Commands:")[1].split("Options:")[0], re.M)
    missing = [f"tflopsctl-{c}(1) in tflopsctl(1)" for c in commands if f"tflopsctl-{c} (1)" not in main_page]
    for command in commands:
        sub_page = text_of(os.path.join(repo, "man", f"tflopsctl-{command}.1"))
        if not sub_page:
            missing.append(f"man/tflopsctl-{command}.1")
            continue
        _, usage = run([tflopsctl, command, "--help"], repo)
        missing += [f"{command} {o}" for o in sorted(set(re.findall(r"--[a-z][a-z-]*", usage))) if o not in sub_page]
    report(bool(commands) and not missing, f"man: tflopsctl(1) names the {len(commands)} commands, and each "
           "command's page its options", f"missing: {missing}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", default=os.path.normpath(os.path.join(here, "..", "..")))
    parser.add_argument("--build", default=None, help="the CMake build directory (default: REPO/build)")
    parser.add_argument("--skip-commands", action="store_true", help="check links, paths and the contract only")
    args = parser.parse_args()
    repo = os.path.abspath(args.repo)
    build = os.path.abspath(args.build or os.path.join(repo, "build"))
    check_links(repo)
    check_paths(repo)
    check_contract(repo)
    if not args.skip_commands:
        check_commands(repo, build)
        check_help(repo, build)
        check_man(repo, build)
    print(f"{failures} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
