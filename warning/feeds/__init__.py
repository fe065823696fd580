"""Online-opinion (网络舆情) feeds: fetch, parse, prefilter and scan, without storage."""
