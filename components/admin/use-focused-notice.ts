"use client";
// The outcome line of an admin action (released, retried, added…): when it changes, keyboard focus
// moves to it, since the row or form the user acted on may have left the page.
import { useEffect, useRef, useState } from "react";

export function useFocusedNotice() {
  const [notice, setNotice] = useState<string | null>(null);
  const noticeRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (notice) noticeRef.current?.focus();
  }, [notice]);
  return { notice, setNotice, noticeRef };
}
