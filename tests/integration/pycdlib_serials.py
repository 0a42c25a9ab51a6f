#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/pycdlib_serials.py IMAGE - pycdlib reads the Rock
# Ridge serial number (PX, RRIP 1.12) of every record of IMAGE's tree and
# prints how many there are and which ones more than one record shares.
import sys, collections, pycdlib
iso = pycdlib.PyCdlib(); iso.open(sys.argv[1])
ser = collections.defaultdict(list)
root = [c for c in iso.list_children(rr_path='/') if c.is_dot()][0]
ser[root.rock_ridge.dr_entries.px_record.posix_serial_number].append('/')
for path, dirs, files in iso.walk(rr_path='/'):
    for f in files + dirs:
        p = path.rstrip('/') + '/' + f
        rec = iso.get_record(rr_path=p)
        ser[rec.rock_ridge.dr_entries.px_record.posix_serial_number].append(p)
d = {k: v for k, v in ser.items() if len(v) > 1}
print(len(ser), 'serials;', len(d), 'shared', list(d.items())[:3])
