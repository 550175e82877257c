# C types for server/crdt/updates.py when setup.py compiles it (Cython's "augmenting .pxd"): the
# module stays plain Python, this file only tells the compiler what the hot variables are.
import cython

cdef class _Reader:
    cdef public bytes data
    cdef public Py_ssize_t pos
    cdef public bint nul
    # A varint is at most 9 bytes (63 bits), so it fits an unsigned 64-bit integer; each byte
    # is widened to 64 bits too, or shifting it past bit 31 would overflow a C int.
    @cython.locals(data=bytes, pos=Py_ssize_t, value=cython.ulonglong, shift=cython.int,
                   byte=cython.ulonglong)
    cpdef object uint(self)
    cpdef int byte(self) except -1
    cpdef skip_bytes(self)
    cpdef varint(self)
    cpdef skip_any(self, int depth=*)

@cython.locals(r=_Reader, items=Py_ssize_t, structs_total=Py_ssize_t, ranges_total=Py_ssize_t,
               info=int, kind=int, structs=Py_ssize_t, ranges=Py_ssize_t)
cpdef read_update(bytes update, Py_ssize_t max_items=*)

@cython.locals(n=Py_ssize_t)
cpdef _content_length(_Reader r, int kind)

@cython.locals(r=_Reader)
cpdef _lone_scalar(bytes update, tuple lone)
