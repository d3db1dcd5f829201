"""Extraction threads must not share a libxml2 name dictionary (crawler/extractor.py).

lxml hands a thread without a name dictionary the one of the first parser it uses, and trafilatura
parses with one module-level parser, so two extraction threads used to end up with one dictionary;
one thread's parse (GIL released) and the other's tree edits then inserted into it at once and
glibc aborted the process. The race itself is too rare to test; the sharing that made it possible
is checked instead, deterministically: the dictionary of a document is read through the structs
that lxml publishes for C extensions (``lxml/etree.h``: ``LxmlElement``, ``LxmlDocument``) and
libxml2's own ``xmlDoc`` (``lxml/includes/libxml/tree.h``).
"""

from __future__ import annotations

import ctypes
import threading

import pytest
from lxml import etree
from lxml import html as lxml_html
from trafilatura.utils import load_html

from crawler.extractor import extract_article

PAGE = "<html><head><title>t</title></head><body><p>Some words of a story.</p></body></html>"


class _PyHead(ctypes.Structure):
    _fields_ = [("ob_refcnt", ctypes.c_ssize_t), ("ob_type", ctypes.c_void_p)]


class _LxmlElement(ctypes.Structure):
    _fields_ = [("head", _PyHead), ("doc", ctypes.c_void_p), ("c_node", ctypes.c_void_p)]


class _LxmlDocument(ctypes.Structure):
    _fields_ = [
        ("head", _PyHead),
        ("vtab", ctypes.c_void_p),
        ("ns_counter", ctypes.c_int),
        ("prefix_tail", ctypes.c_void_p),
        ("c_doc", ctypes.c_void_p),
    ]


class _XmlDoc(ctypes.Structure):
    _fields_ = [
        ("private", ctypes.c_void_p),
        ("type", ctypes.c_int),
        ("name", ctypes.c_char_p),
        ("children", ctypes.c_void_p),
        ("last", ctypes.c_void_p),
        ("parent", ctypes.c_void_p),
        ("next", ctypes.c_void_p),
        ("prev", ctypes.c_void_p),
        ("doc", ctypes.c_void_p),
        ("compression", ctypes.c_int),
        ("standalone", ctypes.c_int),
        ("int_subset", ctypes.c_void_p),
        ("ext_subset", ctypes.c_void_p),
        ("old_ns", ctypes.c_void_p),
        ("version", ctypes.c_void_p),
        ("encoding", ctypes.c_void_p),
        ("ids", ctypes.c_void_p),
        ("refs", ctypes.c_void_p),
        ("url", ctypes.c_void_p),
        ("charset", ctypes.c_int),
        ("dict", ctypes.c_void_p),
    ]


def name_dict(tree: lxml_html.HtmlElement) -> int:
    """The address of the libxml2 name dictionary of ``tree``'s document."""
    element = _LxmlElement.from_address(id(tree))
    document = _LxmlDocument.from_address(element.doc)
    c_doc = _XmlDoc.from_address(document.c_doc)
    assert c_doc.doc == document.c_doc  # an xmlDoc points to itself: the layout was read right
    assert c_doc.dict
    return int(c_doc.dict)


def dict_in_new_thread() -> int:
    """Extract a page in a fresh thread, then parse with trafilatura's shared parser there; the
    dictionary that parse used."""
    found: list[int] = []

    def work() -> None:
        assert extract_article(PAGE, "http://127.0.0.1/story").text
        tree = load_html(PAGE)
        assert isinstance(tree, lxml_html.HtmlElement)
        found.append(name_dict(tree))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert len(found) == 1, "the extraction thread failed"
    return found[0]


# The structs read below are lxml 5 and 6's; lxml 7 gives each parser a dictionary of its own
# (and locks it), so there the fix and this check both need another look, not a blind read.
@pytest.mark.skipif(
    etree.LXML_VERSION >= (7,), reason="lxml 7 changed how parsers share dictionaries: recheck"
)
def test_extraction_threads_do_not_share_a_name_dictionary() -> None:
    # One thread after the other: no race here, only which dictionary each thread was given.
    first, second = dict_in_new_thread(), dict_in_new_thread()
    assert first != second, "two extraction threads parse into one libxml2 name dictionary"
