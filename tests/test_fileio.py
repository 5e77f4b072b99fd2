"""Atomic files, output sets committed together, collisions refused, temporaries of killed runs cleaned."""
import os
import subprocess
import sys
import time

import pytest

from wav2accomp.errors import Wav2AccompError
from wav2accomp.fileio import STALE_SECONDS, OutputSet, host_name, atomic_write, same_file

DEAD_PID = 2 ** 22 + 12345   # above Linux's pid_max default: no such process


def test_same_file_sees_through_links(tmp_path):
    (tmp_path / "a.wav").write_bytes(b"x")
    (tmp_path / "link.wav").symlink_to(tmp_path / "a.wav")
    assert same_file(tmp_path / "a.wav", tmp_path / "link.wav")
    assert same_file(tmp_path / "new.mid", tmp_path / "sub" / ".." / "new.mid")
    assert not same_file(tmp_path / "a.wav", tmp_path / "b.wav")


def test_an_output_set_writes_all_or_nothing(tmp_path):
    outputs = OutputSet({"-o": tmp_path / "a.mid", "--plot": tmp_path / "a.png", "--render": None})
    with pytest.raises(RuntimeError):
        with outputs.writing() as staged:
            staged["-o"].write_bytes(b"midi")
            raise RuntimeError("the plot failed")
    assert sorted(os.listdir(tmp_path)) == []          # neither file, no temporary
    with outputs.writing() as staged:
        assert staged["-o"].suffix == ".mid" and staged["-o"].name.startswith(".")
        staged["-o"].write_bytes(b"midi")
        staged["--plot"].write_bytes(b"png")
        assert not (tmp_path / "a.mid").exists()       # nothing in place before the commit
    assert sorted(os.listdir(tmp_path)) == ["a.mid", "a.png"]


def test_collisions_are_refused_before_any_work(tmp_path):
    (tmp_path / "in.wav").write_bytes(b"x")
    with pytest.raises(Wav2AccompError, match="it is the input"):
        OutputSet({"-o": tmp_path / "in.wav"}, inputs=[tmp_path / "in.wav"])
    with pytest.raises(Wav2AccompError, match="-o and --plot name the same file"):
        OutputSet({"-o": tmp_path / "o.mid", "--plot": tmp_path / "." / "o.mid"})
    with pytest.raises(Wav2AccompError, match="does not exist"):
        OutputSet({"-o": tmp_path / "missing" / "o.mid"})


def test_temporaries_of_a_killed_run_are_removed_by_the_next_and_nothing_else(tmp_path):
    host = host_name()
    stale = [tmp_path / f".song.mid.wav2accomp-{host}-{DEAD_PID}.tmp",
             tmp_path / f".song.wav2accomp-{host}-{DEAD_PID}.wav"]
    kept = [tmp_path / f".other.mid.wav2accomp-{host}-{os.getpid()}.tmp",   # a live process's
            tmp_path / f".song.wav2accomp-another-machine-{DEAD_PID}.wav",     # another machine's, on a shared folder
            tmp_path / f".important.{DEAD_PID}.tmp",                           # not this tool's
            tmp_path / f".young.wav2accomp-{host}-{DEAD_PID}.wav"]             # too young to be sure
    for path in stale + kept:
        path.write_bytes(b"half")
    old = time.time() - 2 * STALE_SECONDS
    for path in stale + kept[:3]:
        os.utime(path, (old, old))
    with atomic_write(tmp_path / "song.mid") as handle:
        handle.write(b"whole")
    assert not any(p.exists() for p in stale) and all(p.exists() for p in kept)
    assert (tmp_path / "song.mid").read_bytes() == b"whole"


def test_a_long_legal_name_is_written_and_a_folder_name_refused(tmp_path):
    target = tmp_path / ("x" * 250 + ".mid")
    with OutputSet({"-o": target}).writing() as staged:
        staged["-o"].write_bytes(b"midi")
    with atomic_write(tmp_path / ("y" * 254)) as handle:
        handle.write(b"data")
    assert target.read_bytes() == b"midi" and (tmp_path / ("y" * 254)).read_bytes() == b"data"
    with pytest.raises(Wav2AccompError, match="names a folder"):
        OutputSet({"-o": f"{tmp_path}/"})


def test_a_commit_waits_for_another_commit_into_the_same_folder(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", f"""
import time
from wav2accomp.fileio import _locked
with _locked([{str(tmp_path)!r}]):
    print("locked", flush=True)
    time.sleep(1.5)
"""], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    began = time.perf_counter()
    with OutputSet({"-o": tmp_path / "a.mid"}).writing() as staged:
        staged["-o"].write_bytes(b"midi")
    waited = time.perf_counter() - began
    holder.wait()
    assert waited > 0.5 and (tmp_path / "a.mid").read_bytes() == b"midi"
