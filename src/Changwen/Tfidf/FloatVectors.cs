using System.Numerics;
using System.Runtime.InteropServices;

namespace Changwen.Tfidf;

/// <summary>
/// The vector operations of <see cref="Lbfgs"/> on float arrays of tens of millions of entries, in place, in fixed
/// chunks spread over the threads. Sums are taken per chunk in double and added in chunk order, so a result does not
/// depend on the number of threads or their timing.
/// </summary>
internal sealed class FloatVectors(int threads)
{
    /// <summary>Entries per chunk: large enough to amortise a task, small enough to balance two to sixteen threads.</summary>
    private const int ChunkSize = 1 << 16;
    private readonly ParallelOptions parallel = new() { MaxDegreeOfParallelism = threads > 0 ? threads : -1 };

    /// <summary>Σ a·b.</summary>
    public double Dot(float[] a, float[] b) => Sum(a.Length, (start, end) => DotRange(a.AsSpan(start, end - start), b.AsSpan(start, end - start)));

    /// <summary>max |a|.</summary>
    public double MaxAbs(float[] a)
    {
        var chunks = Chunks(a.Length);
        var partial = new double[chunks];
        Parallel.For(0, chunks, parallel, c =>
        {
            var (start, end) = Range(c, a.Length);
            var max = 0f;
            foreach (var v in a.AsSpan(start, end - start)) max = Math.Max(max, Math.Abs(v));
            partial[c] = max;
        });
        return partial.Length == 0 ? 0 : partial.Max();
    }

    /// <summary>Σ |a|.</summary>
    public double SumAbs(float[] a) => Sum(a.Length, (start, end) =>
    {
        var sum = 0.0;
        foreach (var v in a.AsSpan(start, end - start)) sum += Math.Abs(v);
        return sum;
    });

    /// <summary>target = x + scale·y.</summary>
    public void AddScaled(float[] target, float[] x, float[] y, double scale) => For(target.Length, (start, end) =>
    {
        var t = target.AsSpan(start, end - start);
        var xs = x.AsSpan(start, end - start);
        var ys = y.AsSpan(start, end - start);
        var s = (float)scale;
        var i = 0;
        var vt = MemoryMarshal.Cast<float, Vector<float>>(t);
        var vx = MemoryMarshal.Cast<float, Vector<float>>(xs);
        var vy = MemoryMarshal.Cast<float, Vector<float>>(ys);
        for (var v = 0; v < vt.Length; v++) vt[v] = vx[v] + vy[v] * s;
        i = vt.Length * Vector<float>.Count;
        for (; i < t.Length; i++) t[i] = xs[i] + ys[i] * s;
    });

    /// <summary>target = scale·x.</summary>
    public void Scale(float[] target, float[] x, double scale) => For(target.Length, (start, end) =>
    {
        var s = (float)scale;
        var t = target.AsSpan(start, end - start);
        var xs = x.AsSpan(start, end - start);
        for (var i = 0; i < t.Length; i++) t[i] = xs[i] * s;
    });

    /// <summary>
    /// target = outer·(target + scale·y), then returns Σ target·next: the two loops of L-BFGS take one pass per correction
    /// pair, the first loop's last pass also applies the initial scaling γ, and the second's also gives the slope.
    /// </summary>
    public double AddScaledThenDot(float[] target, float[] y, double scale, float[] next, double outer = 1) => Sum(target.Length, (start, end) =>
    {
        var t = target.AsSpan(start, end - start);
        var ys = y.AsSpan(start, end - start);
        var ns = next.AsSpan(start, end - start);
        var s = (float)scale;
        var o = (float)outer;
        var vt = MemoryMarshal.Cast<float, Vector<float>>(t);
        var vy = MemoryMarshal.Cast<float, Vector<float>>(ys);
        var vn = MemoryMarshal.Cast<float, Vector<float>>(ns);
        var acc = Vector<float>.Zero;
        if (outer == 1)
            for (var v = 0; v < vt.Length; v++)
            {
                vt[v] += vy[v] * s;
                acc += vt[v] * vn[v];
            }
        else
            for (var v = 0; v < vt.Length; v++)
            {
                vt[v] = (vt[v] + vy[v] * s) * o;
                acc += vt[v] * vn[v];
            }
        double sum = Vector.Sum(acc);
        for (var i = vt.Length * Vector<float>.Count; i < t.Length; i++)
        {
            t[i] = outer == 1 ? t[i] + ys[i] * s : (t[i] + ys[i] * s) * o;
            sum += t[i] * ns[i];
        }
        return sum;
    });

    /// <summary>target = scale·x, then returns Σ target·next (the start of the two-loop recursion, one pass).</summary>
    public double ScaleThenDot(float[] target, float[] x, double scale, float[] next) => Sum(target.Length, (start, end) =>
    {
        var t = target.AsSpan(start, end - start);
        var xs = x.AsSpan(start, end - start);
        var ns = next.AsSpan(start, end - start);
        var s = (float)scale;
        var vt = MemoryMarshal.Cast<float, Vector<float>>(t);
        var vx = MemoryMarshal.Cast<float, Vector<float>>(xs);
        var vn = MemoryMarshal.Cast<float, Vector<float>>(ns);
        var acc = Vector<float>.Zero;
        for (var v = 0; v < vt.Length; v++)
        {
            vt[v] = vx[v] * s;
            acc += vt[v] * vn[v];
        }
        double sum = Vector.Sum(acc);
        for (var i = vt.Length * Vector<float>.Count; i < t.Length; i++)
        {
            t[i] = xs[i] * s;
            sum += t[i] * ns[i];
        }
        return sum;
    });

    /// <summary>
    /// The L-BFGS correction pair of a step: s = step·d (the move), y = gNew − g (the change of gradient); returns s·y and y·y.
    /// </summary>
    public (double SY, double YY) CorrectionPair(float[] s, float[] y, float[] d, double step, float[] g, float[] gNew)
    {
        var chunks = Chunks(s.Length);
        var sy = new double[chunks];
        var yy = new double[chunks];
        Parallel.For(0, chunks, parallel, c =>
        {
            var (start, end) = Range(c, s.Length);
            var t = (float)step;
            double accSy = 0, accYy = 0;
            for (var i = start; i < end; i++)
            {
                var si = s[i] = t * d[i];
                var yi = y[i] = gNew[i] - g[i];
                accSy += si * yi;
                accYy += yi * yi;
            }
            sy[c] = accSy;
            yy[c] = accYy;
        });
        return (sy.Sum(), yy.Sum());
    }

    private static double DotRange(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        var acc = Vector<float>.Zero;
        for (var v = 0; v < va.Length; v++) acc += va[v] * vb[v];
        double sum = Vector.Sum(acc);
        for (var i = va.Length * Vector<float>.Count; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    private double Sum(int length, Func<int, int, double> range)
    {
        var chunks = Chunks(length);
        var partial = new double[chunks];
        Parallel.For(0, chunks, parallel, c =>
        {
            var (start, end) = Range(c, length);
            partial[c] = range(start, end);
        });
        var sum = 0.0;
        foreach (var p in partial) sum += p;
        return sum;
    }

    private void For(int length, Action<int, int> range) =>
        Parallel.For(0, Chunks(length), parallel, c =>
        {
            var (start, end) = Range(c, length);
            range(start, end);
        });

    private static int Chunks(int length) => (length + ChunkSize - 1) / ChunkSize;

    private static (int Start, int End) Range(int chunk, int length) => (chunk * ChunkSize, Math.Min(length, (chunk + 1) * ChunkSize));
}
