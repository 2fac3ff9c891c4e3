# msgs/s per scenario, sluice vs kcat, from the .dat file bench.py writes:
#   "label" sluice_shard1 sluice_shard2_or_default kcat
# gnuplot -e "datafile='bench/results/latest.dat'; outfile='bench/results/latest.png'" bench/plot.gp
if (!exists("datafile")) datafile = 'bench/results/latest.dat'
if (!exists("outfile")) outfile = 'bench/results/latest.png'

set terminal pngcairo size 1400,720 font "DejaVu Sans,10"
set output outfile
set title "sluice vs kcat: messages per second (higher is better)"
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top right
set grid ytics
set ylabel "msgs/s"
set format y "%.1s%c"
set yrange [0:*]
set xtics rotate by -30 left font ",9" nomirror
set bmargin 6
plot datafile using 2:xtic(1) title "sluice shard.count=1" lc rgb "#4e79a7", \
     ''       using 3 title "sluice shard.count=2 (or default)" lc rgb "#76b7b2", \
     ''       using 4 title "kcat" lc rgb "#e15759"
