#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/pycdlib_tree.py IMAGE rr|joliet - pycdlib (an
# independent reader) lists the Rock Ridge or the Joliet tree of IMAGE:
# "path/" for each directory, "path<TAB>size<TAB>sha256" for each file
# (symbolic links left out), as the tests' manifests have them.
import sys, hashlib, io, pycdlib
iso = pycdlib.PyCdlib()
iso.open(sys.argv[1])
kind = sys.argv[2]   # rr | joliet
kw = {'rr': 'rr_path', 'joliet': 'joliet_path'}[kind]
def walk(path, shown):
    for c in iso.list_children(**{kw: path}):
        if c is None or c.is_dot() or c.is_dotdot():
            continue
        if kind == 'rr':
            if c.rock_ridge is None:
                raise SystemExit('no Rock Ridge')
            raw = name = c.rock_ridge.name().decode()
            if c.rock_ridge.is_symlink():
                continue
        else:
            raw = c.file_identifier().decode('utf-16-be')
            name = raw[:-2] if not c.is_dir() and raw.endswith(';1') else raw
        p = path.rstrip('/') + '/' + raw
        s = shown + '/' + name if shown else name
        if c.is_dir():
            print(s + '/')
            walk(p, s)
        else:
            b = io.BytesIO()
            iso.get_file_from_iso_fp(b, **{kw: p})
            d = b.getvalue()
            print('%s\t%d\t%s' % (s, len(d), hashlib.sha256(d).hexdigest()))
walk('/', '')
