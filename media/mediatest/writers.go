package mediatest

import (
	"bytes"
	"io"
	"syscall"
)

// FailAfter accepts N bytes, then fails every write as a full disk does:
// with ENOSPC, after a short write.
type FailAfter struct {
	N       int
	written int
}

func (f *FailAfter) Write(p []byte) (int, error) {
	if f.written+len(p) <= f.N {
		f.written += len(p)
		return len(p), nil
	}
	k := f.N - f.written
	f.written = f.N
	return k, syscall.ENOSPC
}

// FailingSeeker is an io.WriteSeeker whose writes succeed but whose seeks
// fail with EIO, except a first one that asks where it is: writers that
// rewrite headers at Close must report the failure.
type FailingSeeker struct {
	bytes.Buffer
	seeks int
}

func (f *FailingSeeker) Seek(off int64, whence int) (int64, error) {
	f.seeks++
	if f.seeks == 1 && whence == io.SeekCurrent {
		return int64(f.Len()), nil
	}
	return 0, syscall.EIO
}

// FileBuffer is an in-memory io.WriteSeeker, a file for writers that seek
// back to fill in sizes.
type FileBuffer struct {
	b   []byte
	pos int
}

// Bytes is the file's contents; it aliases the buffer.
func (f *FileBuffer) Bytes() []byte { return f.b }

func (f *FileBuffer) Write(p []byte) (int, error) {
	if need := f.pos + len(p); need > len(f.b) {
		f.b = append(f.b, make([]byte, need-len(f.b))...)
	}
	copy(f.b[f.pos:], p)
	f.pos += len(p)
	return len(p), nil
}

func (f *FileBuffer) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		off += int64(f.pos)
	case io.SeekEnd:
		off += int64(len(f.b))
	}
	f.pos = int(off)
	return off, nil
}
